import { sql } from 'drizzle-orm'
import { index, jsonb, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core'
import { users } from './users'

/** Any JSON value: what a notification's `data` may hold, and what a realtime event can carry. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

/** An in-app notification of one user; each new one is also pushed to the `user:<id>` channel. */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** A short slug (welcome, info, alert…), not an enum: features add types without a migration. */
    type: varchar('type', { length: 40 }).notNull(),
    title: varchar('title', { length: 200 }).notNull(),
    message: text('message').notNull(),
    data: jsonb('data').$type<{ [key: string]: Json }>().notNull().default({}),
    readAt: timestamp('read_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves the newest-first list of one user. NULLS FIRST is what a plain `order by created_at desc`
    // means; drizzle would write NULLS LAST, which that order could not read from the index.
    index('notifications_user_created_idx').on(t.userId, t.createdAt.desc().nullsFirst(), t.id),
    // Unread counts and read-all touch only the unread rows, a small share of the table.
    index('notifications_user_unread_idx').on(t.userId).where(sql`${t.readAt} is null`),
  ],
)

export type Notification = typeof notifications.$inferSelect
