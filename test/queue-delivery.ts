/** Hands messages to the Worker's queue handler the way the queue would, and returns what it acked and retried. */
import { env } from 'cloudflare:workers'
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import worker from '../src/index'

export type Delivery = { id: string; body: unknown; attempts?: number }

export async function deliverBatch(queue: string, messages: Delivery[], vars: Partial<Env> = {}) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch, { ...env, ...vars } as Env, ctx)
  return getQueueResult(batch, ctx)
}

/** Email messages as one batch on the `email` queue, ids m0, m1, … */
export const deliverEmails = (messages: unknown[], vars: Partial<Env> = {}) =>
  deliverBatch(
    'email',
    messages.map((body, i) => ({ id: `m${i}`, body })),
    vars,
  )
