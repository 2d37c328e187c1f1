import { desc, eq } from 'drizzle-orm'
import type { Database, PoolDatabase } from '../../db/client'
import { billingAccounts, payments, PLANS, users, type Plan } from '../../db/schema'
import type { Config } from '../../env'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows, type PageQuery } from '../../lib/pagination'
import { accountOf, setPlan } from '../jobs/jobs.service'
import { PaymentSchema, type CheckoutInput } from './payments.schemas'
import { callStripe, priceOf, stripeOf } from './stripe-client'

/**
 * Opens a Stripe Checkout session for an upgrade and records it as a PENDING payment. The plan
 * changes only when Stripe's `checkout.session.completed` webhook says it was paid.
 */
export async function createCheckout(db: Database, config: Config, userId: string, { plan }: CheckoutInput) {
  const current = (await accountOf(db, userId)).plan
  if (PLANS.indexOf(plan) <= PLANS.indexOf(current)) {
    throw ApiError.conflict(`You are already on ${current}; PUT /api/v1/users/plan changes down`, { plan: current })
  }
  const stripe = stripeOf(config)
  const [user] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId))
  const [billing] = await db.select().from(billingAccounts).where(eq(billingAccounts.userId, userId))
  const metadata = { userId, plan }
  const session = await callStripe('open a checkout session', () =>
    stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: priceOf(config, plan), quantity: 1 }],
      client_reference_id: userId,
      ...(billing?.stripeCustomerId ? { customer: billing.stripeCustomerId } : { customer_email: user!.email }),
      metadata,
      subscription_data: { metadata },
      success_url: `${config.APP_URL}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${config.APP_URL}/billing?checkout=cancelled`,
    }),
  )
  const [row] = await db
    .insert(payments)
    .values({ userId, plan, stripeSessionId: session.id, amount: session.amount_total, currency: session.currency })
    .returning()
  return { payment: PaymentSchema.decode(row!), sessionId: session.id, url: session.url }
}

export async function listPayments(db: Database, userId: string, q: PageQuery) {
  const rows = await db
    .select({ p: payments, total: totalRows })
    .from(payments)
    .where(eq(payments.userId, userId))
    .orderBy(desc(payments.createdAt), desc(payments.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => PaymentSchema.decode(r.p),
    async () => (await db.$count(payments, eq(payments.userId, userId))) as number,
  )
}

/**
 * A subscriber's downgrade through PUT /users/plan: Stripe is told first (cancel for FREE, the
 * cheaper price otherwise), so it never keeps charging for a plan the account no longer has; the
 * webhook that follows finds the plan already set.
 */
export async function downgradeSubscription(db: Database, config: Config, userId: string, plan: Plan) {
  const current = (await accountOf(db, userId)).plan
  if (PLANS.indexOf(plan) >= PLANS.indexOf(current)) return
  const [billing] = await db.select().from(billingAccounts).where(eq(billingAccounts.userId, userId))
  const subscriptionId = billing?.stripeSubscriptionId
  if (!subscriptionId) return
  const stripe = stripeOf(config)
  if (plan === 'FREE') {
    await callStripe('cancel the subscription', () => stripe.subscriptions.cancel(subscriptionId))
    await db.update(billingAccounts).set({ stripeSubscriptionId: null }).where(eq(billingAccounts.userId, userId))
    return
  }
  const subscription = await callStripe('read the subscription', () => stripe.subscriptions.retrieve(subscriptionId))
  const item = subscription.items.data[0]
  if (!item) return
  await callStripe('change the subscription', () =>
    stripe.subscriptions.update(subscriptionId, {
      items: [{ id: item.id, price: priceOf(config, plan) }],
      metadata: { userId, plan },
      proration_behavior: 'create_prorations',
    }),
  )
}

/** An admin sets any user's plan, up or down, without payment; 404 for an unknown user. */
export async function adminSetPlan(db: PoolDatabase, config: Config, userId: string, plan: Plan) {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId))
  if (!user) throw ApiError.notFound('User')
  return setPlan(db, config, userId, plan, { allowUpgrade: true })
}
