import { databaseOf } from '../db/client'
import type { DeadLetterSource } from '../db/schema'
import type { Config } from '../env'
import { recordDeadLetter } from '../features/dead-letters/dead-letters.service'
import { errorFields, log } from '../lib/logger'

/** 1 min doubling to 1 h: recording needs only Postgres, so with max_retries 20 it outlasts a long outage (~15 h). */
export const recordRetryDelay = (attempts: number) => Math.min(3600, 60 * 2 ** Math.max(0, attempts - 1))

/**
 * Consumer of `email-dlq` and `jobs-dlq`: records each message in `dead_letters` (once, however often
 * the DLQ delivers it) and logs it as an error, so a message that exhausted its retries stays in view.
 */
export async function consumeDeadLetters(batch: MessageBatch, config: Config, source: DeadLetterSource) {
  const db = databaseOf(config)
  for (const message of batch.messages) {
    try {
      const outcome = await recordDeadLetter(db, source, message)
      if (outcome === 'recorded') log('error', 'message dead-lettered', { queue: source, messageId: message.id })
      message.ack()
    } catch (err) {
      log('error', 'could not record a dead letter; will retry', {
        queue: source,
        messageId: message.id,
        attempts: message.attempts,
        ...errorFields(err),
      })
      message.retry({ delaySeconds: recordRetryDelay(message.attempts) })
    }
  }
}
