import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { users } from './users'

/** The queues whose consumers have a dead-letter queue (wrangler.toml), named as the original queue. */
export const DEAD_LETTER_SOURCES = ['email', 'jobs'] as const
export type DeadLetterSource = (typeof DEAD_LETTER_SOURCES)[number]

/**
 * One row per message a dead-letter queue delivered. UNIQUE (queue, message_id): the DLQ's own
 * redelivery of a message is recorded once. A replay sends `body` unchanged to `queue`.
 */
export const deadLetters = pgTable(
  'dead_letters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The original queue (`email`, `jobs`), not the DLQ. */
    queue: text('queue', { enum: DEAD_LETTER_SOURCES }).notNull(),
    messageId: text('message_id').notNull(),
    body: jsonb('body').$type<unknown>().notNull(),
    /** Deliveries the original consumer made, as its last recorded failure says; null when none was recorded. */
    attempts: integer('attempts'),
    lastError: text('last_error'),
    /** The last recorded failure, or the arrival in the DLQ when none was recorded. */
    failedAt: timestamp('failed_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    replayedAt: timestamp('replayed_at', { withTimezone: true }),
    replayedBy: uuid('replayed_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [
    uniqueIndex('dead_letters_queue_message_idx').on(t.queue, t.messageId),
    index('dead_letters_failed_idx').on(t.failedAt.desc(), t.id),
    index('dead_letters_replayed_by_idx').on(t.replayedBy),
  ],
)

/**
 * The last failure of a message still being retried, keyed by the message's own id (an email's id,
 * an execution id). Only the original consumer sees the error; the DLQ consumer moves it into
 * `dead_letters`, and a later success deletes it.
 */
export const queueFailures = pgTable(
  'queue_failures',
  {
    queue: text('queue', { enum: DEAD_LETTER_SOURCES }).notNull(),
    messageKey: text('message_key').notNull(),
    attempts: integer('attempts').notNull(),
    error: text('error').notNull(),
    failedAt: timestamp('failed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.messageKey] })],
)

export type DeadLetter = typeof deadLetters.$inferSelect
