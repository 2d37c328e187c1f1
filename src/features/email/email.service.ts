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

/** How long one delivery holds an email; longer than the provider call may take (PROVIDER_TIMEOUT_MS). */
export const CLAIM_SECONDS = 60
const PROVIDER_TIMEOUT_MS = 20_000
const claimUntil = sql`now() + make_interval(secs => ${CLAIM_SECONDS})`

/**
 * Delivers one queued email at most once per id. The first delivery stores the row and claims it in
 * one statement; a duplicate that arrives while the claim holds gets `busy` (the consumer asks for it
 * again later, when the row says `sent`), so concurrent duplicates never both call the provider. A
 * claim left by a delivery that died expires after CLAIM_SECONDS; a failed send releases it at once.
 */
export async function deliverEmail(
  db: Database,
  config: Config,
  message: EmailMessage,
): Promise<'sent' | 'duplicate' | 'busy'> {
  const { subject, text } = render(message, config.APP_URL)
  const claimed = await db
    .insert(emails)
    .values({
      id: message.id,
      to: message.to,
      template: message.template,
      subject,
      text,
      data: message.data,
      provider: config.EMAIL_PROVIDER,
      claimedUntil: claimUntil,
    })
    .onConflictDoUpdate({
      target: emails.id,
      set: { claimedUntil: claimUntil },
      setWhere: sql`${emails.status} = 'sending' and (${emails.claimedUntil} is null or ${emails.claimedUntil} < now())`,
    })
    .returning({ id: emails.id })
  if (!claimed.length) {
    const [row] = await db.select({ status: emails.status }).from(emails).where(eq(emails.id, message.id))
    return row?.status === 'sent' ? 'duplicate' : 'busy'
  }

  try {
    if (config.EMAIL_PROVIDER === 'http') await sendThroughProvider(config, message, subject, text)
  } catch (err) {
    await db.update(emails).set({ claimedUntil: null }).where(eq(emails.id, message.id))
    throw err
  }
  await db
    .update(emails)
    .set({ status: 'sent', sentAt: sql`now()`, claimedUntil: null })
    .where(eq(emails.id, message.id))
  return 'sent'
}

async function sendThroughProvider(config: Config, message: EmailMessage, subject: string, text: string) {
  const res = await fetch(config.EMAIL_API_URL!, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${config.EMAIL_API_KEY}`,
      'content-type': 'application/json',
      // The provider deduplicates a send we retry after a lost response.
      'idempotency-key': message.id,
    },
    body: JSON.stringify({ from: config.EMAIL_FROM, to: message.to, subject, text }),
    signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
  })
  if (!res.ok) throw new Error(`email provider answered ${res.status}`)
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
