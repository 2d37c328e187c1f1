import { and, desc, eq, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { emails } from '../../db/schema'
import type { Config } from '../../env'
import { count } from '../../lib/metrics/recorder'
import { render, type EmailMessage, type TemplateData, type TemplateName } from './email.templates'

/**
 * Puts an email on the `email` queue. Its id makes delivery idempotent: minted here, or given by
 * the caller when one logical email may be enqueued twice (an alert transition announced again).
 */
export async function enqueueEmail<T extends TemplateName>(
  config: Config,
  to: string,
  template: T,
  data: TemplateData<T>,
  opts: { id?: string } = {},
) {
  const message: EmailMessage = { id: opts.id ?? crypto.randomUUID(), to: to.toLowerCase(), template, data }
  await config.bindings.EMAIL_QUEUE.send(message)
  count('outpost_queue_messages_total', { queue: 'email', outcome: 'sent' })
  return message.id
}

/**
 * Delivers one queued email at most once per id. A row in `sending` state from an earlier
 * failed attempt is retried; a row in `sent` state means this is a duplicate delivery.
 */
export async function deliverEmail(db: Database, config: Config, message: EmailMessage): Promise<'sent' | 'duplicate'> {
  const { subject, text } = render(message, config.APP_URL)
  await db
    .insert(emails)
    .values({
      id: message.id,
      to: message.to,
      template: message.template,
      subject,
      text,
      data: message.data,
      provider: config.EMAIL_PROVIDER,
    })
    .onConflictDoNothing()
  const [row] = await db.select({ status: emails.status }).from(emails).where(eq(emails.id, message.id))
  if (row?.status === 'sent') return 'duplicate'

  if (config.EMAIL_PROVIDER === 'http') {
    const res = await fetch(config.EMAIL_API_URL!, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${config.EMAIL_API_KEY}`,
        'content-type': 'application/json',
        // The provider deduplicates a send we retry after a lost response.
        'idempotency-key': message.id,
      },
      body: JSON.stringify({ from: config.EMAIL_FROM, to: message.to, subject, text }),
    })
    if (!res.ok) throw new Error(`email provider answered ${res.status}`)
  }
  // Only the first finisher flips the row; a concurrent duplicate sees zero rows updated.
  const updated = await db
    .update(emails)
    .set({ status: 'sent', sentAt: sql`now()` })
    .where(and(eq(emails.id, message.id), eq(emails.status, 'sending')))
    .returning({ id: emails.id })
  return updated.length ? 'sent' : 'duplicate'
}

/** The `log` provider's stored mail for one address (of one template, if given), newest first. */
export function mailbox(
  db: Database,
  to: string,
  { template, limit = 20 }: { template?: TemplateName; limit?: number } = {},
) {
  return db
    .select({
      id: emails.id,
      to: emails.to,
      template: emails.template,
      subject: emails.subject,
      text: emails.text,
      data: emails.data,
      createdAt: emails.createdAt,
    })
    .from(emails)
    .where(
      and(
        eq(emails.to, to.toLowerCase()),
        eq(emails.provider, 'log'),
        eq(emails.status, 'sent'),
        template ? eq(emails.template, template) : undefined,
      ),
    )
    .orderBy(desc(emails.createdAt))
    .limit(limit)
}
