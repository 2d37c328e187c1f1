import { afterEach, describe, expect, it, vi } from 'vitest'
import { jobs } from '../src/db/schema'
import { call, data, expectError, mockFetchFor, readMailbox, seedUser, withDb } from './helpers'
import {
  checkoutCompleted,
  deliver,
  failedInvoice,
  notificationsOf,
  paymentsOf,
  planOf,
  stripeEvent,
  subscription,
} from './stripe-helpers'
import { eq } from 'drizzle-orm'

const STRIPE = 'https://api.stripe.com'
type Payment = { id: string; plan: string; status: string; stripeSessionId: string | null; amount: number | null }

afterEach(() => vi.restoreAllMocks())

/** Stripe's API at fetch: Checkout sessions are created, every call is recorded as method, path and form body. */
function mockStripe(answer?: (req: Request, form: URLSearchParams) => Response | undefined) {
  const calls: { method: string; path: string; form: URLSearchParams }[] = []
  let n = 0
  mockFetchFor(STRIPE, async (req) => {
    // Stripe posts form-encoded bodies; read as bytes (workerd warns on .text() of a non-text type).
    const form = new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer()))
    const path = new URL(req.url).pathname
    calls.push({ method: req.method, path, form })
    const custom = answer?.(req, form)
    if (custom) return custom
    const id = `cs_test_mock_${Date.now()}_${++n}`
    return Response.json({
      id,
      object: 'checkout.session',
      url: `https://checkout.stripe.com/c/pay/${id}`,
      amount_total: 1900,
      currency: 'eur',
    })
  })
  return calls
}

const job = (i: number) => ({ name: `j${i}`, cronExpression: '*/5 * * * *', targetUrl: 'https://example.com/hook' })

describe('checkout', () => {
  it('opens a Stripe Checkout session for the upgrade and records a pending payment', async () => {
    const { token, user } = await seedUser()
    const calls = mockStripe()
    const res = await call<{ sessionId: string; url: string; payment: Payment }>('POST', '/payments/checkout', token, {
      plan: 'PREMIUM',
    })
    expect(res.status).toBe(201)
    const out = data(res)
    expect(out.url).toContain('checkout.stripe.com')
    expect(out.payment).toMatchObject({ plan: 'PREMIUM', status: 'PENDING', stripeSessionId: out.sessionId })
    expect(calls).toHaveLength(1)
    expect(calls[0]!.path).toBe('/v1/checkout/sessions')
    expect(calls[0]!.form.get('mode')).toBe('subscription')
    expect(calls[0]!.form.get('line_items[0][price]')).toBe('price_test_premium')
    expect(calls[0]!.form.get('client_reference_id')).toBe(user.id)
    expect(calls[0]!.form.get('metadata[plan]')).toBe('PREMIUM')
    expect(await planOf(user.id)).toBe('FREE')
  })

  it('refuses a plan you already have or a lower one with 409, and FREE or extra fields with 422', async () => {
    const { token, user } = await seedUser()
    const admin = await seedUser({ roles: ['admin'] })
    await call('PUT', `/admin/users/${user.id}/plan`, admin.token, { plan: 'PRO' })
    const calls = mockStripe()
    expectError(await call('POST', '/payments/checkout', token, { plan: 'PREMIUM' }), 409, 'CONFLICT')
    expectError(await call('POST', '/payments/checkout', token, { plan: 'FREE' }), 422, 'VALIDATION_ERROR')
    expectError(
      await call('POST', '/payments/checkout', token, { plan: 'PRO', userId: admin.user.id }),
      422,
      'VALIDATION_ERROR',
    )
    expect(calls).toHaveLength(0)
  })

  it('answers 503 when Stripe fails, and records nothing', async () => {
    const { token, user } = await seedUser()
    mockStripe(() => Response.json({ error: { type: 'api_error', message: 'down' } }, { status: 500 }))
    expectError(await call('POST', '/payments/checkout', token, { plan: 'PRO' }), 503, 'SERVICE_UNAVAILABLE')
    expect(await paymentsOf(user.id)).toEqual([])
  })

  it('retries a failed call once under the same idempotency key, so it opens one session', async () => {
    const { token } = await seedUser()
    const keys: (string | null)[] = []
    const calls = mockStripe((req) => {
      keys.push(req.headers.get('idempotency-key'))
      if (keys.length === 1) return Response.json({ error: { type: 'api_error' } }, { status: 503 })
    })
    expect((await call('POST', '/payments/checkout', token, { plan: 'PRO' })).status).toBe(201)
    expect(calls).toHaveLength(2)
    expect(keys[0]).toBeTruthy()
    expect(keys[1]).toBe(keys[0])
  })

  it('does not retry a call Stripe refused, and names its code', async () => {
    const { token } = await seedUser()
    const refused = mockStripe(() =>
      Response.json({ error: { type: 'invalid_request_error', code: 'resource_missing' } }, { status: 400 }),
    )
    const err = expectError(
      await call('POST', '/payments/checkout', token, { plan: 'PRO' }),
      503,
      'SERVICE_UNAVAILABLE',
    )
    expect(err.details?.stripe).toBe('resource_missing')
    expect(refused).toHaveLength(1)
  })

  it('requires a token', async () => {
    expectError(await call('POST', '/payments/checkout', undefined, { plan: 'PRO' }), 401, 'UNAUTHORIZED')
    expectError(await call('GET', '/payments'), 401, 'UNAUTHORIZED')
  })
})

describe('GET /payments', () => {
  it("lists only the caller's payments, newest first, paginated", async () => {
    const me = await seedUser()
    const other = await seedUser()
    mockStripe()
    for (const plan of ['PREMIUM', 'PRO'] as const) await call('POST', '/payments/checkout', me.token, { plan })
    await call('POST', '/payments/checkout', other.token, { plan: 'PRO' })
    const res = await call<Payment[]>('GET', '/payments?limit=1', me.token)
    expect(res.body.success && res.body.meta).toEqual({ page: 1, limit: 1, total: 2 })
    expect(data(res).map((p) => p.plan)).toEqual(['PRO'])
    expect(data(await call<Payment[]>('GET', '/payments?page=2&limit=1', me.token)).map((p) => p.plan)).toEqual([
      'PREMIUM',
    ])
  })
})

describe('webhook signature', () => {
  it('applies an event signed with the webhook secret', async () => {
    const { user } = await seedUser()
    const res = await deliver(stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PREMIUM')))
    expect(res.status).toBe(200)
    expect(data(res)).toEqual({ received: true, duplicate: false })
    expect(await planOf(user.id)).toBe('PREMIUM')
  })

  it('refuses a bad signature, another secret or no signature with 400, and changes nothing', async () => {
    const { user } = await seedUser()
    const event = stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PRO'))
    expectError(await deliver(event, { secret: 'whsec_someone_else' }), 400, 'BAD_REQUEST')
    expectError(
      await deliver(event, { signature: `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` }),
      400,
      'BAD_REQUEST',
    )
    expectError(await deliver(event, { signature: '' }), 400, 'BAD_REQUEST')
    expect(await planOf(user.id)).toBe('FREE')
    expect(await paymentsOf(user.id)).toEqual([])
    // The same event, properly signed, is still applied: a refused delivery did not record its id.
    expect(data(await deliver(event)).duplicate).toBe(false)
    expect(await planOf(user.id)).toBe('PRO')
  })

  it('refuses a signature older than 5 minutes (a replay) with 400', async () => {
    const { user } = await seedUser()
    const event = stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PRO'))
    const stale = Math.floor(Date.now() / 1000) - 301
    const err = expectError(await deliver(event, { timestamp: stale }), 400, 'BAD_REQUEST')
    expect(String(err.details?.reason)).toMatch(/tolerance/i)
    expect(await planOf(user.id)).toBe('FREE')
    // 4 minutes old is within the tolerance: a slow delivery still lands.
    expect((await deliver(event, { timestamp: stale + 61 })).status).toBe(200)
  })
})

describe('webhook events', () => {
  it('checkout.session.completed upgrades, completes the payment, emails and notifies the payer', async () => {
    const { token, user } = await seedUser()
    mockStripe()
    const { sessionId } = data(await call<{ sessionId: string }>('POST', '/payments/checkout', token, { plan: 'PRO' }))
    await deliver(stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PRO', { id: sessionId })))
    expect(await planOf(user.id)).toBe('PRO')
    const listed = data(await call<Payment[]>('GET', '/payments', token))
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ status: 'COMPLETED', plan: 'PRO', amount: 4900, stripeSessionId: sessionId })
    const [mail] = await readMailbox(user.email, { template: 'payment-completed' })
    expect(mail?.subject).toBe('Payment received: you are on PRO')
    expect(mail?.text).toContain('49.00 EUR')
    await vi.waitFor(async () => expect(await notificationsOf(user.id, 'payment.completed')).toHaveLength(1))
    // The paid plan's limits apply at once: more jobs than FREE allows.
    for (let i = 0; i < 6; i++) expect((await call('POST', '/jobs', token, job(i))).status).toBe(201)
  })

  it('checkout.session.completed with an unpaid (delayed) payment leaves the plan alone', async () => {
    const { user } = await seedUser()
    await deliver(
      stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PRO', { payment_status: 'unpaid' })),
    )
    expect(await planOf(user.id)).toBe('FREE')
    expect((await paymentsOf(user.id)).map((p) => p.status)).toEqual(['PENDING'])
  })

  it('customer.subscription.updated moves the plan to the price it now bills, and to FREE when canceled', async () => {
    const { user } = await seedUser()
    await deliver(stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PREMIUM')))
    await deliver(stripeEvent('customer.subscription.updated', subscription(user.id, 'active', 'price_test_pro')))
    expect(await planOf(user.id)).toBe('PRO')
    await deliver(stripeEvent('customer.subscription.updated', subscription(user.id, 'canceled', 'price_test_pro')))
    expect(await planOf(user.id)).toBe('FREE')
  })

  it('customer.subscription.deleted downgrades to FREE and pauses the jobs beyond its cap', async () => {
    const { token, user } = await seedUser()
    await deliver(stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PREMIUM')))
    for (let i = 0; i < 7; i++) await call('POST', '/jobs', token, job(i))
    const res = await deliver(
      stripeEvent('customer.subscription.deleted', subscription(user.id, 'canceled', 'price_test_premium')),
    )
    expect(res.status).toBe(200)
    expect(await planOf(user.id)).toBe('FREE')
    const rows = await withDb((db) => db.select().from(jobs).where(eq(jobs.userId, user.id)))
    expect(rows.filter((j) => j.status === 'PAUSED' && j.pausedReason === 'PLAN_LIMIT')).toHaveLength(2)
  })

  it('invoice.payment_failed records the failure and notifies; the plan drops only when Stripe stops retrying', async () => {
    const { user } = await seedUser()
    await deliver(stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PREMIUM')))
    await deliver(stripeEvent('invoice.payment_failed', failedInvoice(user.id, Math.floor(Date.now() / 1000) + 86_400)))
    expect(await planOf(user.id)).toBe('PREMIUM')
    const [retrying] = await readMailbox(user.email, { template: 'payment-failed' })
    expect(retrying?.subject).toBe('Payment failed for your PREMIUM plan')
    await deliver(stripeEvent('invoice.payment_failed', failedInvoice(user.id, null)))
    expect(await planOf(user.id)).toBe('FREE')
    expect((await paymentsOf(user.id)).filter((p) => p.status === 'FAILED')).toHaveLength(2)
    await vi.waitFor(async () => {
      const seen = await notificationsOf(user.id, 'payment.failed')
      expect(seen.map((n) => n.data.downgraded).sort()).toEqual([false, true])
    })
  })

  it('skips a subscription event older than the one that last set the plan (Stripe does not order deliveries)', async () => {
    const { user } = await seedUser()
    const now = Math.floor(Date.now() / 1000)
    await deliver(stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PRO'), { created: now }))
    const late = stripeEvent('customer.subscription.updated', subscription(user.id, 'active', 'price_test_premium'), {
      created: now - 60,
    })
    expect((await deliver(late)).status).toBe(200)
    expect(await planOf(user.id)).toBe('PRO')
  })

  it('acknowledges event types it does not act on', async () => {
    const res = await deliver(stripeEvent('charge.succeeded', { id: 'ch_1', object: 'charge' }))
    expect(data(res)).toEqual({ received: true, duplicate: false })
  })
})

describe('webhook idempotency', () => {
  it('applies the same event delivered 3 times once', async () => {
    const { user } = await seedUser()
    const event = stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PREMIUM'))
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(data(await deliver(event)).duplicate)
    expect(answers).toEqual([false, true, true])
    expect(await paymentsOf(user.id)).toHaveLength(1)
    await vi.waitFor(async () => expect(await notificationsOf(user.id, 'payment.completed')).toHaveLength(1))
    expect(await readMailbox(user.email, { template: 'payment-completed' })).toHaveLength(1)
  })

  it('applies 3 concurrent deliveries of a checkout once: one plan change, one payment, one email', async () => {
    const { user } = await seedUser()
    const event = stripeEvent('checkout.session.completed', checkoutCompleted(user.id, 'PREMIUM'))
    const answers = await Promise.all(Array.from({ length: 3 }, () => deliver(event)))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200])
    expect(answers.map((a) => data(a).duplicate).sort()).toEqual([false, true, true])
    expect(await planOf(user.id)).toBe('PREMIUM')
    expect(await paymentsOf(user.id)).toHaveLength(1)
    await vi.waitFor(async () => expect(await notificationsOf(user.id, 'payment.completed')).toHaveLength(1))
    // A second email, if one were sent, would arrive while the mailbox waits for it.
    expect(await readMailbox(user.email, { template: 'payment-completed', atLeast: 2, timeoutMs: 2000 })).toHaveLength(
      1,
    )
  })

  it('applies concurrent deliveries of one event once', async () => {
    const { user } = await seedUser()
    const event = stripeEvent('invoice.payment_failed', failedInvoice(user.id, Math.floor(Date.now() / 1000) + 3600))
    const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(event)))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
    expect(answers.filter((a) => !data(a).duplicate)).toHaveLength(1)
    expect(await paymentsOf(user.id)).toHaveLength(1)
    await vi.waitFor(async () => expect(await notificationsOf(user.id, 'payment.failed')).toHaveLength(1))
  })
})
