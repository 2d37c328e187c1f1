/** Hands messages to the Worker's queue handler the way the queue would, and returns what it acked and retried. */
import { env } from 'cloudflare:workers'
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import worker from '../src/index'

export type Delivery = { id: string; body: unknown; attempts?: number }

/**
 * Hands `messages` to the consumer of `queue` as one batch. `retryMessages` carry the `delaySeconds` each retry()
 * asked for: getQueueResult drops it, so each message's retry() is watched here.
 */
export async function deliverBatch(queue: string, messages: Delivery[], vars: Partial<Env> = {}) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  )
  const asked = new Map<string, QueueRetryOptions | undefined>()
  for (const m of batch.messages) {
    const retry = m.retry.bind(m)
    m.retry = (options) => {
      asked.set(m.id, options)
      retry(options)
    }
  }
  const ctx = createExecutionContext()
  await worker.queue(batch, { ...env, ...vars } as Env, ctx)
  const result = await getQueueResult(batch, ctx)
  return { ...result, retryMessages: result.retryMessages.map((r) => ({ ...r, ...asked.get(r.msgId) })) }
}

/** Email messages as one batch on the `email` queue, ids m0, m1, … */
export const deliverEmails = (messages: unknown[], vars: Partial<Env> = {}) =>
  deliverBatch(
    'email',
    messages.map((body, i) => ({ id: `m${i}`, body })),
    vars,
  )
