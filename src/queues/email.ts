import { databaseOf } from '../db/client'
import type { Config } from '../env'
import { clearFailure, noteFailure } from '../features/dead-letters/dead-letters.service'
import { CLAIM_SECONDS, deliverEmail } from '../features/email/email.service'
import { EmailMessageSchema } from '../features/email/email.templates'
import { errorFields, log } from '../lib/logger'

/** Exponential backoff, 10 s doubling to a 10 min ceiling. */
export const retryDelay = (attempts: number) => Math.min(600, 10 * 2 ** Math.max(0, attempts - 1))

/** Acks each message on its own; only a failed message is retried (and ends in email-dlq). */
export async function consumeEmail(batch: MessageBatch, config: Config) {
  const db = databaseOf(config)
  for (const message of batch.messages) {
    const parsed = EmailMessageSchema.safeParse(message.body)
    if (!parsed.success) {
      // A malformed message will never succeed: drop it loudly instead of cycling to the DLQ.
      log('error', 'dropping malformed email message', {
        messageId: message.id,
        issues: parsed.error.issues.map((i) => i.message),
      })
      message.ack()
      continue
    }
    try {
      const outcome = await deliverEmail(db, config, parsed.data)
      if (outcome === 'busy') {
        // Another delivery of this email is sending it: look again once its claim must have ended.
        message.retry({ delaySeconds: CLAIM_SECONDS })
        continue
      }
      log('info', 'email delivered', {
        emailId: parsed.data.id,
        template: parsed.data.template,
        outcome,
        provider: config.EMAIL_PROVIDER,
      })
      message.ack()
      if (message.attempts > 1) await clearFailure(db, 'email', message)
    } catch (err) {
      log('warn', 'email delivery failed; will retry', {
        emailId: parsed.data.id,
        attempts: message.attempts,
        ...errorFields(err),
      })
      await noteFailure(db, 'email', message, err)
      message.retry({ delaySeconds: retryDelay(message.attempts) })
    }
  }
}
