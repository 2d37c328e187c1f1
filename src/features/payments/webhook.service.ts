import { eq, isNull, lte, or, sql } from 'drizzle-orm'
import type { PoolDatabase, Tx } from '../../db/client'
import { billingAccounts, jobAccounts, payments, stripeEvents, users, type Plan } from '../../db/schema'
import type { Config } from '../../env'
import type { DomainEvents } from '../../events'
import { log } from '../../lib/logger'
import { setPlan } from '../jobs/jobs.service'
import { planOfPrice, type Stripe } from './stripe-client'

/** A domain event to emit once the transaction that applied the Stripe event has committed. */
export type PaymentEffect =
  | { event: 'payment.completed'; payload: DomainEvents['payment.completed'] }
  | { event: 'payment.failed'; payload: DomainEvents['payment.failed'] }

const PAID_PLANS = new Set<string>(['PREMIUM', 'PRO'])
const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : v?.id)

/**
 * Applies one verified Stripe event, once: its id is inserted in the same transaction as its
 * effects, so a redelivery (even a concurrent one, which waits on the primary key) changes
 * nothing. Returns whether it was a duplicate and the domain events to emit after commit.
 */
export async function applyEvent(db: PoolDatabase, config: Config, event: Stripe.Event) {
  return db.transaction(async (tx) => {
    const [fresh] = await tx
      .insert(stripeEvents)
      .values({ id: event.id, type: event.type })
      .onConflictDoNothing()
      .returning({ id: stripeEvents.id })
    if (!fresh) return { duplicate: true, effects: [] as PaymentEffect[] }
    const at = new Date(event.created * 1000)
    const effects: PaymentEffect[] = []
    switch (event.type) {
      case 'checkout.session.completed':
        effects.push(...(await checkoutCompleted(tx, config, event.data.object, at)))
        break
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
        await subscriptionChanged(tx, config, event.data.object, event.type, at)
        break
      case 'invoice.payment_failed':
        effects.push(...(await paymentFailed(tx, config, event.data.object, at)))
        break
      default:
        // Acknowledged and recorded; Stripe sends what the endpoint subscribes to, and we act on four.
        break
    }
    return { duplicate: false, effects }
  })
}

async function existingUser(tx: Tx, id: string | null | undefined) {
  if (!id || !/^[\da-f-]{36}$/i.test(id)) return undefined
  const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, id))
  return user?.id
}

async function userOfCustomer(tx: Tx, customerId: string | undefined) {
  if (!customerId) return undefined
  const [row] = await tx
    .select({ userId: billingAccounts.userId })
    .from(billingAccounts)
    .where(eq(billingAccounts.stripeCustomerId, customerId))
  return row?.userId
}

/**
 * Sets the plan unless a newer Stripe event already did (deliveries are not ordered). A downgrade
 * pauses the excess jobs exactly as PUT /users/plan does: it is the same function.
 */
async function applyPlan(tx: Tx, config: Config, userId: string, plan: Plan, at: Date) {
  const [newest] = await tx
    .insert(billingAccounts)
    .values({ userId, planEventAt: at })
    .onConflictDoUpdate({
      target: billingAccounts.userId,
      set: { planEventAt: at, updatedAt: sql`now()` },
      where: or(isNull(billingAccounts.planEventAt), lte(billingAccounts.planEventAt, at)),
    })
    .returning({ userId: billingAccounts.userId })
  if (!newest) {
    log('info', 'stripe event older than the plan it would change; skipped', { userId, plan })
    return false
  }
  await setPlan(tx, config, userId, plan, { allowUpgrade: true })
  return true
}

async function linkCustomer(tx: Tx, userId: string, customerId?: string, subscriptionId?: string | null) {
  await tx
    .insert(billingAccounts)
    .values({ userId, stripeCustomerId: customerId, stripeSubscriptionId: subscriptionId })
    .onConflictDoUpdate({
      target: billingAccounts.userId,
      set: {
        ...(customerId && { stripeCustomerId: customerId }),
        ...(subscriptionId !== undefined && { stripeSubscriptionId: subscriptionId }),
        updatedAt: sql`now()`,
      },
    })
}

async function checkoutCompleted(tx: Tx, config: Config, session: Stripe.Checkout.Session, at: Date) {
  const userId = await existingUser(tx, session.client_reference_id ?? session.metadata?.userId)
  const plan = session.metadata?.plan
  if (!userId || !plan || !PAID_PLANS.has(plan)) {
    log('warn', 'checkout.session.completed for no known user or plan; ignored', { session: session.id })
    return []
  }
  // Delayed methods (bank debits) complete the session unpaid; their invoice events follow.
  const paid = session.payment_status !== 'unpaid'
  const values = {
    userId,
    plan: plan as Plan,
    status: paid ? ('COMPLETED' as const) : ('PENDING' as const),
    amount: session.amount_total,
    currency: session.currency,
  }
  const [payment] = await tx
    .insert(payments)
    .values({ ...values, stripeSessionId: session.id })
    .onConflictDoUpdate({ target: payments.stripeSessionId, set: { ...values, updatedAt: sql`now()` } })
    .returning({ id: payments.id })
  await linkCustomer(tx, userId, idOf(session.customer), idOf(session.subscription))
  if (!paid || !(await applyPlan(tx, config, userId, plan as Plan, at))) return []
  return [
    {
      event: 'payment.completed',
      payload: { userId, paymentId: payment!.id, plan: plan as Plan, amount: values.amount, currency: values.currency },
    } satisfies PaymentEffect,
  ]
}

/** What a subscription's status means for the plan; undefined leaves it alone (not started yet). */
function planOfSubscription(config: Config, sub: Stripe.Subscription, type: string): Plan | undefined {
  if (type === 'customer.subscription.deleted') return 'FREE'
  if (['active', 'trialing', 'past_due'].includes(sub.status)) return planOfPrice(config, sub.items.data[0]?.price.id)
  if (['canceled', 'unpaid', 'incomplete_expired', 'paused'].includes(sub.status)) return 'FREE'
  return undefined
}

async function subscriptionChanged(tx: Tx, config: Config, sub: Stripe.Subscription, type: string, at: Date) {
  const customerId = idOf(sub.customer)
  const userId = (await existingUser(tx, sub.metadata?.userId)) ?? (await userOfCustomer(tx, customerId))
  const plan = planOfSubscription(config, sub, type)
  if (!userId || !plan) {
    log('info', 'subscription event for no known user or plan; ignored', { subscription: sub.id, status: sub.status })
    return
  }
  await linkCustomer(tx, userId, customerId, plan === 'FREE' ? null : sub.id)
  await applyPlan(tx, config, userId, plan, at)
}

/**
 * A failed renewal is recorded and announced; the plan drops to FREE only when Stripe has given up
 * retrying (no next attempt). Until then the subscription stays past_due and the plan stays.
 */
async function paymentFailed(tx: Tx, config: Config, invoice: Stripe.Invoice, at: Date) {
  const details = invoice.parent?.subscription_details
  const userId =
    (await existingUser(tx, details?.metadata?.userId)) ?? (await userOfCustomer(tx, idOf(invoice.customer)))
  if (!userId) {
    log('info', 'invoice.payment_failed for no known user; ignored', { invoice: invoice.id })
    return []
  }
  const [account] = await tx.select({ plan: jobAccounts.plan }).from(jobAccounts).where(eq(jobAccounts.userId, userId))
  const metaPlan = details?.metadata?.plan
  const plan: Plan = metaPlan && PAID_PLANS.has(metaPlan) ? (metaPlan as Plan) : (account?.plan ?? 'FREE')
  const values = { userId, plan, status: 'FAILED' as const, amount: invoice.amount_due, currency: invoice.currency }
  const [payment] = await tx
    .insert(payments)
    .values({ ...values, stripeInvoiceId: invoice.id })
    .onConflictDoUpdate({ target: payments.stripeInvoiceId, set: { ...values, updatedAt: sql`now()` } })
    .returning({ id: payments.id })
  const final = invoice.next_payment_attempt === null
  const downgraded = final && (await applyPlan(tx, config, userId, 'FREE', at))
  return [
    {
      event: 'payment.failed',
      payload: { userId, paymentId: payment!.id, plan, amount: values.amount, currency: values.currency, downgraded },
    } satisfies PaymentEffect,
  ]
}
