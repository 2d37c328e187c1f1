import { index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * One row per email the queue consumer delivered. The id is the message id minted at send
 * time, so a redelivered queue message finds its row and is not sent twice.
 */
export const emails = pgTable(
  'emails',
  {
    id: text('id').primaryKey(),
    to: text('to').notNull(),
    template: text('template').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    /** Structured fields of the template (an OTP, a reset token…), readable in the dev mailbox. */
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    provider: text('provider', { enum: ['log', 'http'] }).notNull(),
    status: text('status', { enum: ['sending', 'sent'] })
      .notNull()
      .default('sending'),
    /** Until when one delivery holds the send: a concurrent duplicate waits instead of calling the provider too. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [index('emails_to_created_idx').on(t.to, t.createdAt)],
)

export type Email = typeof emails.$inferSelect
