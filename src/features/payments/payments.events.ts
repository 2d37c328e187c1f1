import { eq } from 'drizzle-orm'
import { users } from '../../db/schema'
import type { DomainEvents, EventContext } from '../../events'
import { enqueueEmail } from '../email/email.service'
import { notify } from '../notifications/notifications.service'

type Completed = DomainEvents['payment.completed']
type Failed = DomainEvents['payment.failed']

/** "12.00 EUR": Stripe amounts are in the minor unit; zero-decimal currencies are rare enough to show as is. */
const money = (amount: number | null, currency: string | null) =>
  amount === null ? 'your payment' : `${(amount / 100).toFixed(2)} ${(currency ?? '').toUpperCase()}`.trim()

async function recipient(ctx: EventContext, userId: string) {
  const [user] = await ctx.db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, userId))
  return user
}

// Email ids are fixed per payment, so an event emitted twice still sends one mail.

/** The payer gets a receipt-style confirmation (seed 002: payment success email). */
export async function emailPaymentCompleted(p: Completed, ctx: EventContext) {
  const user = await recipient(ctx, p.userId)
  if (!user) return
  await enqueueEmail(
    ctx.config,
    user.email,
    'payment-completed',
    { name: user.name, plan: p.plan, amount: money(p.amount, p.currency) },
    { id: `payment-completed:${p.paymentId}` },
  )
}

/** ...and an in-app notification, live on an open dashboard. */
export async function notifyPaymentCompleted(p: Completed, { db, config }: EventContext) {
  await notify(db, config.bindings.CHANNEL_HUB, p.userId, {
    type: 'payment.completed',
    title: `Payment received: you are on ${p.plan}`,
    message: `We received ${money(p.amount, p.currency)}. Your new plan limits apply now.`,
    data: { paymentId: p.paymentId, plan: p.plan },
  })
}

/** A failed charge is emailed (seed 002: payment failure alerts), saying whether the plan dropped. */
export async function emailPaymentFailed(p: Failed, ctx: EventContext) {
  const user = await recipient(ctx, p.userId)
  if (!user) return
  await enqueueEmail(
    ctx.config,
    user.email,
    'payment-failed',
    { name: user.name, plan: p.plan, amount: money(p.amount, p.currency), downgraded: p.downgraded },
    { id: `payment-failed:${p.paymentId}` },
  )
}

export async function notifyPaymentFailed(p: Failed, { db, config }: EventContext) {
  await notify(db, config.bindings.CHANNEL_HUB, p.userId, {
    type: 'payment.failed',
    title: p.downgraded ? 'Payment failed: your plan is now FREE' : `Payment failed for your ${p.plan} plan`,
    message: p.downgraded
      ? 'Stripe stopped retrying. Jobs beyond the FREE limits are paused.'
      : 'Stripe will retry. Update your payment method to keep your plan.',
    data: { paymentId: p.paymentId, plan: p.plan, downgraded: p.downgraded },
  })
}
