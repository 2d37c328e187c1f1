import { and, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { deadLetters, queueFailures, type DeadLetter, type DeadLetterSource } from '../../db/schema'
import type { Config } from '../../env'
import { count } from '../../lib/metrics/recorder'
import { ApiError } from '../../lib/errors'
import { errorFields, log } from '../../lib/logger'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import { DeadLetterSchema, type DeadLetterListQuery } from './dead-letters.schemas'

type QueueMessage = Pick<Message, 'id' | 'body' | 'attempts'>

/** The id each producer mints at send time, on which that queue's consumer is idempotent (DESIGN.md §6). */
const KEY_FIELD = { email: 'id', jobs: 'executionId' } as const satisfies Record<DeadLetterSource, string>

function keyOf(queue: DeadLetterSource, body: unknown): string | null {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[KEY_FIELD[queue]] : null
  return typeof value === 'string' ? value : null
}

/**
 * The innermost cause's message: drizzle wraps a Postgres error as "Failed query: <sql> params: <values>",
 * and the values (an email's text holds its code) must not be stored.
 */
function rootMessage(err: unknown): string {
  let e = err
  while (e instanceof Error && e.cause instanceof Error) e = e.cause
  return e instanceof Error ? e.message : String(e)
}

/**
 * Called by a consumer that is about to retry a message: keeps its last error and attempt count for
 * the dead letter it may become. Best effort (Postgres may be the failure): never throws.
 */
export async function noteFailure(db: Database, queue: DeadLetterSource, message: QueueMessage, err: unknown) {
  const messageKey = keyOf(queue, message.body)
  if (!messageKey) return
  const error = rootMessage(err).slice(0, 1000)
  try {
    await db
      .insert(queueFailures)
      .values({ queue, messageKey, attempts: message.attempts, error })
      .onConflictDoUpdate({
        target: [queueFailures.queue, queueFailures.messageKey],
        set: { attempts: message.attempts, error, failedAt: sql`now()` },
      })
  } catch (noteErr) {
    log('warn', 'could not note a queue failure', { queue, messageKey, ...errorFields(noteErr) })
  }
}

/** Called when a retried message finally succeeds: its failure note is no longer wanted. Never throws. */
export async function clearFailure(db: Database, queue: DeadLetterSource, message: QueueMessage) {
  const messageKey = keyOf(queue, message.body)
  if (!messageKey) return
  try {
    await db.delete(queueFailures).where(and(eq(queueFailures.queue, queue), eq(queueFailures.messageKey, messageKey)))
  } catch (err) {
    log('warn', 'could not clear a queue failure note', { queue, messageKey, ...errorFields(err) })
  }
}

/**
 * Records a message a dead-letter queue delivered, taking over its failure note, in one statement:
 * a redelivery of the same DLQ message (UNIQUE queue, message_id) changes nothing.
 */
export async function recordDeadLetter(db: Database, queue: DeadLetterSource, message: QueueMessage) {
  const key = keyOf(queue, message.body)
  const body = JSON.stringify(message.body ?? null)
  const result = await db.execute<{ id: string }>(sql`
    with note as (
      delete from ${queueFailures} where queue = ${queue} and message_key = ${key}
      returning attempts, error, failed_at
    )
    insert into ${deadLetters} (queue, message_id, body, attempts, last_error, failed_at)
    select ${queue}, ${message.id}, ${body}::jsonb, note.attempts, note.error, coalesce(note.failed_at, now())
    from (select 1) as one left join note on true
    on conflict (queue, message_id) do nothing
    returning id`)
  return result.rows[0] ? ('recorded' as const) : ('duplicate' as const)
}

/**
 * An email's `data` carries one-time secrets (a verification code, a reset token or a link holding
 * one) meant for its recipient only, so the API shows which fields it had, not their values.
 */
function redact(row: DeadLetter) {
  const body = row.body as { data?: unknown } | null
  if (row.queue !== 'email' || typeof body?.data !== 'object' || body.data === null) return row
  const data = Object.fromEntries(Object.keys(body.data).map((k) => [k, '[redacted]']))
  return { ...row, body: { ...body, data } }
}

const view = (row: DeadLetter) => DeadLetterSchema.decode(redact(row))

const byStatus = { pending: isNull(deadLetters.replayedAt), replayed: isNotNull(deadLetters.replayedAt) }

/** Newest failure first. */
export async function listDeadLetters(db: Database, q: DeadLetterListQuery) {
  const where = and(q.queue ? eq(deadLetters.queue, q.queue) : undefined, q.status ? byStatus[q.status] : undefined)
  const rows = await db
    .select({ d: deadLetters, total: totalRows })
    .from(deadLetters)
    .where(where)
    .orderBy(desc(deadLetters.failedAt), deadLetters.id)
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => view(r.d),
    () => db.$count(deadLetters, where),
  )
}

/** Dead letters not replayed yet (GET /health). */
export async function countPending(db: Database) {
  return db.$count(deadLetters, byStatus.pending)
}

/**
 * Sends a dead letter's body, unchanged, back to its queue, once: the claim (replayed_at still null)
 * is a guarded UPDATE, so a second or concurrent replay answers 409 and sends nothing. The body keeps
 * the original id, so the consumer's own idempotency (an email's id, an execution's claim) also holds
 * when the original did get through.
 */
export async function replayDeadLetter(db: Database, config: Config, id: string, adminId: string) {
  const [claimed] = await db
    .update(deadLetters)
    .set({ replayedAt: sql`now()`, replayedBy: adminId })
    .where(and(eq(deadLetters.id, id), byStatus.pending))
    .returning()
  if (!claimed) {
    const [row] = await db
      .select({ replayedAt: deadLetters.replayedAt })
      .from(deadLetters)
      .where(eq(deadLetters.id, id))
    if (!row) throw ApiError.notFound('Dead letter')
    throw ApiError.conflict('This dead letter was already replayed', { replayedAt: row.replayedAt?.toISOString() })
  }
  const queue = claimed.queue === 'email' ? config.bindings.EMAIL_QUEUE : config.bindings.JOBS_QUEUE
  try {
    await queue.send(claimed.body)
    count('outpost_queue_messages_total', { queue: claimed.queue, outcome: 'sent' })
  } catch (err) {
    // Nothing was sent: release the claim so the replay can be asked again.
    await db.update(deadLetters).set({ replayedAt: null, replayedBy: null }).where(eq(deadLetters.id, id))
    log('error', 'dead letter replay could not be sent', { id, queue: claimed.queue, ...errorFields(err) })
    throw ApiError.unavailable(`The ${claimed.queue} queue did not take the message`)
  }
  log('info', 'dead letter replayed', { id, queue: claimed.queue, adminId })
  return view(claimed)
}
