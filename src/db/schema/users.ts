import { sql } from 'drizzle-orm'
import { pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { searchColumns, searchIndexes } from './search'

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    /** The avatar upload's path (`purpose: avatar`); migration 0010 adds it only if another branch has not. */
    avatarUrl: text('avatar_url'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    ...searchColumns('simple', sql`"name" || ' ' || "email"`),
  },
  (t) => [uniqueIndex('users_email_lower_idx').on(sql`lower(${t.email})`), ...searchIndexes('users', t)],
)

export type User = typeof users.$inferSelect
export type NewUser = typeof users.$inferInsert
