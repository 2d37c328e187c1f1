import { emitAfterResponse } from '../../events'
import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import type * as r from './payments.routes'
import * as payments from './payments.service'
import { verifyEvent } from './stripe-client'
import { applyEvent } from './webhook.service'

export const checkout: Handler<typeof r.checkout> = async (c) =>
  ok(c, await payments.createCheckout(c.get('db'), c.get('config'), c.get('user').id, c.req.valid('json')), 201)

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await payments.listPayments(c.get('db'), c.get('user').id, c.req.valid('query'))
  return page(c, data, meta)
}

export const webhook: Handler<typeof r.webhook> = async (c) => {
  // The signature covers the exact bytes Stripe sent, so the body is read raw, never re-serialised.
  const event = await verifyEvent(c.get('config'), await c.req.text(), c.req.header('stripe-signature'))
  const { duplicate, effects } = await applyEvent(c.get('pool'), c.get('config'), event)
  for (const effect of effects) {
    if (effect.event === 'payment.completed') emitAfterResponse(c, effect.event, effect.payload)
    else emitAfterResponse(c, effect.event, effect.payload)
  }
  return ok(c, { received: true as const, duplicate })
}

export const adminSetPlan: Handler<typeof r.adminSetPlan> = async (c) => {
  const { plan, pausedJobIds } = await payments.adminSetPlan(
    c.get('pool'),
    c.get('config'),
    c.req.valid('param').id,
    c.req.valid('json').plan,
  )
  return ok(c, { plan, pausedJobIds })
}
