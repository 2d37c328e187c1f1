import { type Config, loadConfig } from '../env'
import { log } from '../lib/logger'
import { flushSoon } from '../lib/metrics/middleware'
import { count } from '../lib/metrics/recorder'
import { consumeDeadLetters } from './dead-letters'
import { consumeEmail } from './email'
import { consumeJobs } from './jobs'

/** Routes a batch to its consumer by queue name; its acks and retries are counted for /metrics. */
export async function handleQueue(batch: MessageBatch, env: Env, ctx?: Pick<ExecutionContext, 'waitUntil'>) {
  const config = loadConfig(env)
  try {
    await consume(counted(batch), config)
  } finally {
    if (ctx) flushSoon(config, (flush) => ctx.waitUntil(flush), false)
  }
}

function consume(batch: MessageBatch, config: Config) {
  switch (batch.queue) {
    case 'email':
      return consumeEmail(batch, config)
    case 'jobs':
      return consumeJobs(batch, config)
    case 'email-dlq':
      return consumeDeadLetters(batch, config, 'email')
    case 'jobs-dlq':
      return consumeDeadLetters(batch, config, 'jobs')
    default:
      log('error', 'no consumer for queue', { queue: batch.queue, messages: batch.messages.length })
      batch.retryAll({ delaySeconds: 60 })
  }
}

/**
 * The batch with its acks and retries counted (`outpost_queue_messages_total`). A message's first delivery to a
 * dead-letter queue counts once as `dead_lettered` on the queue it came from.
 */
function counted(batch: MessageBatch): MessageBatch {
  const queue = batch.queue
  const tally = (outcome: string, by = 1) => count('outpost_queue_messages_total', { queue, outcome }, by)
  if (queue.endsWith('-dlq')) {
    const arrived = batch.messages.filter((m) => m.attempts === 1).length
    count('outpost_queue_messages_total', { queue: queue.slice(0, -4), outcome: 'dead_lettered' }, arrived)
  }
  return {
    queue,
    metadata: batch.metadata,
    messages: batch.messages.map((m) => ({
      id: m.id,
      timestamp: m.timestamp,
      body: m.body,
      attempts: m.attempts,
      ack: () => {
        tally('acked')
        m.ack()
      },
      retry: (options) => {
        tally('retried')
        m.retry(options)
      },
    })),
    ackAll: () => {
      tally('acked', batch.messages.length)
      batch.ackAll()
    },
    retryAll: (options) => {
      tally('retried', batch.messages.length)
      batch.retryAll(options)
    },
  }
}
