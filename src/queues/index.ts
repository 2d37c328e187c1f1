import { loadConfig } from '../env'
import { log } from '../lib/logger'
import { consumeDeadLetters } from './dead-letters'
import { consumeEmail } from './email'
import { consumeJobs } from './jobs'

/** Routes a batch to its consumer by queue name. */
export async function handleQueue(batch: MessageBatch, env: Env) {
  const config = loadConfig(env)
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
