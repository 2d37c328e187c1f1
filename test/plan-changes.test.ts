import { afterEach, describe, expect, it, vi } from 'vitest'
import { call, data, expectError, mockFetchFor, seedUser } from './helpers'
import { checkoutCompleted, deliver, planOf, stripeEvent } from './stripe-helpers'

afterEach(() => vi.restoreAllMocks())

type PlanChange = { plan: string; pausedJobIds: string[] }

/** Stripe's subscription endpoints at fetch, recording each call. */
function mockSubscriptions(status = 200) {
  const calls: { method: string; path: string; form: URLSearchParams }[] = []
  mockFetchFor('https://api.stripe.com', async (req) => {
    const path = new URL(req.url).pathname
    calls.push({
      method: req.method,
      path,
      form: new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer())),
    })
    if (status !== 200) return Response.json({ error: { type: 'api_error', message: 'down' } }, { status })
    const id = path.split('/').pop()
    return Response.json({ id, object: 'subscription', status: 'active', items: { data: [{ id: 'si_1' }] } })
  })
  return calls
}

/** A paying PRO subscriber, as the webhook leaves one. */
async function subscriber() {
  const u = await seedUser()
  await deliver(stripeEvent('checkout.session.completed', checkoutCompleted(u.user.id, 'PRO')))
  expect(await planOf(u.user.id)).toBe('PRO')
  return u
}

describe('PUT /users/plan', () => {
  it('refuses an upgrade with 402, pointing to checkout, and leaves the plan', async () => {
    const { token, user } = await seedUser()
    const err = expectError(await call('PUT', '/users/plan', token, { plan: 'PREMIUM' }), 402, 'PAYMENT_REQUIRED')
    expect(err.details?.checkout).toBe('POST /api/v1/payments/checkout')
    expect(await planOf(user.id)).toBe('FREE')
  })

  it('lets a subscriber cancel: Stripe cancels the subscription, then the plan is FREE', async () => {
    const { token, user } = await subscriber()
    const calls = mockSubscriptions()
    expect(data(await call<PlanChange>('PUT', '/users/plan', token, { plan: 'FREE' })).plan).toBe('FREE')
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([`DELETE /v1/subscriptions/sub_${user.id.slice(0, 8)}`])
    expect(await planOf(user.id)).toBe('FREE')
  })

  it("moves a subscriber's Stripe price down with the plan", async () => {
    const { token, user } = await subscriber()
    const calls = mockSubscriptions()
    expect(data(await call<PlanChange>('PUT', '/users/plan', token, { plan: 'PREMIUM' })).plan).toBe('PREMIUM')
    const update = calls.find((c) => c.method === 'POST')
    expect(update?.form.get('items[0][price]')).toBe('price_test_premium')
    expect(await planOf(user.id)).toBe('PREMIUM')
  })

  it('answers 503 and keeps the plan when Stripe cannot cancel', async () => {
    const { token, user } = await subscriber()
    mockSubscriptions(500)
    expectError(await call('PUT', '/users/plan', token, { plan: 'FREE' }), 503, 'SERVICE_UNAVAILABLE')
    expect(await planOf(user.id)).toBe('PRO')
  })

  it('downgrades a plan an admin granted without calling Stripe', async () => {
    const { token, user } = await seedUser()
    const admin = await seedUser({ roles: ['admin'] })
    await call('PUT', `/admin/users/${user.id}/plan`, admin.token, { plan: 'PRO' })
    const calls = mockSubscriptions()
    expect(data(await call<PlanChange>('PUT', '/users/plan', token, { plan: 'FREE' })).plan).toBe('FREE')
    expect(calls).toEqual([])
  })

  it('lets an admin set any plan of their own', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    expect(data(await call<PlanChange>('PUT', '/users/plan', admin.token, { plan: 'PRO' })).plan).toBe('PRO')
  })
})

describe('PUT /admin/users/:id/plan', () => {
  it("sets any user's plan up or down", async () => {
    const { user } = await seedUser()
    const admin = await seedUser({ roles: ['admin'] })
    expect(data(await call<PlanChange>('PUT', `/admin/users/${user.id}/plan`, admin.token, { plan: 'PRO' })).plan).toBe(
      'PRO',
    )
    expect(await planOf(user.id)).toBe('PRO')
  })

  it('answers 404 for an unknown user, 422 for an unknown plan and 403 for a user', async () => {
    const { token, user } = await seedUser()
    const admin = await seedUser({ roles: ['admin'] })
    expectError(
      await call('PUT', `/admin/users/${crypto.randomUUID()}/plan`, admin.token, { plan: 'PRO' }),
      404,
      'NOT_FOUND',
    )
    expectError(
      await call('PUT', `/admin/users/${user.id}/plan`, admin.token, { plan: 'GOLD' }),
      422,
      'VALIDATION_ERROR',
    )
    expectError(await call('PUT', `/admin/users/${user.id}/plan`, token, { plan: 'PRO' }), 403, 'FORBIDDEN')
  })
})
