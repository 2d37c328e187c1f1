import { databaseOf } from '../db/client'
import type { Config } from '../env'
import { clearFailure, noteFailure } from '../features/dead-letters/dead-letters.service'
import type { JobMessage } from '../features/jobs/dispatch.service'
import { executeOnce } from '../features/jobs/execute.service'
import { errorFields, log } from '../lib/logger'

const isJobMessage = (b: unknown): b is JobMessage =>
  typeof b === 'object' &&
  b !== null &&
  typeof (b as JobMessage).executionId === 'string' &&
  /^[0-9a-f-]{36}$/.test((b as JobMessage).executionId)

/** Executes each message on its own; only that message is retried, with the backoff the executor chose. */
export async function consumeJobs(batch: MessageBatch, config: Config) {
  const db = databaseOf(config)
  await Promise.all(
    batch.messages.map(async (message) => {
      if (!isJobMessage(message.body)) {
        log('error', 'dropping malformed jobs message', { messageId: message.id })
        return message.ack()
      }
      try {
        const outcome = await executeOnce(db, config, message.body.executionId)
        if (outcome.action === 'retry') message.retry({ delaySeconds: outcome.delaySeconds })
        else {
          message.ack()
          if (message.attempts > 1) await clearFailure(db, 'jobs', message)
        }
      } catch (err) {
        log('warn', 'job execution failed to run; will retry', {
          executionId: message.body.executionId,
          ...errorFields(err),
        })
        await noteFailure(db, 'jobs', message, err)
        message.retry({ delaySeconds: 30 })
      }
    }),
  )
}
