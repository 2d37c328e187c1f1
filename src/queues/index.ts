import { loadConfig } from '../env'
import { log } from '../lib/logger'
import { consumeEmail } from './email'

/** Routes a batch to its consumer by queue name. */
export async function handleQueue(batch: MessageBatch, env: Env) {
  const config = loadConfig(env)
  switch (batch.queue) {
    case 'email':
      return consumeEmail(batch, config)
    default:
      // The jobs consumer arrives with the cron-service issue; until then its messages stay queued
      // (and end in jobs-dlq) rather than being acknowledged unprocessed.
      log('error', 'no consumer for queue', { queue: batch.queue, messages: batch.messages.length })
      batch.retryAll({ delaySeconds: 60 })
  }
}
