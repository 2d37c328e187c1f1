/** Stripe test doubles: signed webhook deliveries and the shapes of the events Outpost applies. */
import { env } from 'cloudflare:workers'
import { and, eq } from 'drizzle-orm'
import Stripe from 'stripe'
import { jobAccounts, notifications, payments } from '../src/db/schema'
import { api, withDb } from './helpers'

const crypto = Stripe.createSubtleCryptoProvider()
let seq = 0

/** A Stripe event envelope around `object`, with a fresh id unless one is given. */
export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  opts: { id?: string; created?: number } = {},
) {
  return {
    id: opts.id ?? `evt_test_${Date.now()}_${++seq}`,
    object: 'event',
    api_version: '2026-02-25',
    created: opts.created ?? Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  }
}

/** Posts `event` to the webhook, signed as Stripe does (or with another secret or timestamp). */
export async function deliver(event: object, opts: { secret?: string; timestamp?: number; signature?: string } = {}) {
  const payload = JSON.stringify(event)
  const signature =
    opts.signature ??
    (await Stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: opts.secret ?? env.STRIPE_WEBHOOK_SECRET!,
      timestamp: opts.timestamp,
      cryptoProvider: crypto,
    }))
  return api<{ received: true; duplicate: boolean }>('/api/v1/webhooks/stripe', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  })
}

export const checkoutCompleted = (userId: string, plan: 'PREMIUM' | 'PRO', over: Record<string, unknown> = {}) => ({
  id: `cs_test_${++seq}_${Date.now()}`,
  object: 'checkout.session',
  client_reference_id: userId,
  customer: `cus_${userId.slice(0, 8)}`,
  subscription: `sub_${userId.slice(0, 8)}`,
  payment_status: 'paid',
  amount_total: plan === 'PRO' ? 4900 : 1900,
  currency: 'eur',
  metadata: { userId, plan },
  ...over,
})

export const subscription = (userId: string, status: string, price: string) => ({
  id: `sub_${userId.slice(0, 8)}`,
  object: 'subscription',
  customer: `cus_${userId.slice(0, 8)}`,
  status,
  metadata: { userId },
  items: { object: 'list', data: [{ id: `si_${userId.slice(0, 8)}`, price: { id: price } }] },
})

export const failedInvoice = (userId: string, nextAttempt: number | null) => ({
  id: `in_test_${++seq}_${Date.now()}`,
  object: 'invoice',
  customer: `cus_${userId.slice(0, 8)}`,
  amount_due: 1900,
  currency: 'eur',
  attempt_count: nextAttempt ? 1 : 4,
  next_payment_attempt: nextAttempt,
  parent: {
    type: 'subscription_details',
    subscription_details: { subscription: `sub_${userId.slice(0, 8)}`, metadata: { userId, plan: 'PREMIUM' } },
  },
})

export const planOf = (userId: string) =>
  withDb(async (db) => {
    const [row] = await db.select({ plan: jobAccounts.plan }).from(jobAccounts).where(eq(jobAccounts.userId, userId))
    return row?.plan ?? 'FREE'
  })

export const paymentsOf = (userId: string) =>
  withDb((db) => db.select().from(payments).where(eq(payments.userId, userId)))

export const notificationsOf = (userId: string, type: string) =>
  withDb((db) =>
    db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, userId), eq(notifications.type, type))),
  )
