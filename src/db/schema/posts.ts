import { sql } from 'drizzle-orm'
import { boolean, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { searchColumns, searchIndexes } from './search'
import { users } from './users'

/** Seed 000's posts: `posts:*` and `posts:*_own` permissions decide who sees and edits them. */
export const posts = pgTable(
  'posts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    content: text('content').notNull(),
    published: boolean('published').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    ...searchColumns('english', sql`"title" || ' ' || "content"`),
  },
  (t) => [
    ...searchIndexes('posts', t),
    index('posts_author_created_idx').on(t.authorId, t.createdAt),
    // The feed most callers read: published posts, newest first.
    index('posts_published_created_idx').on(t.createdAt).where(sql`${t.published}`),
  ],
)

export type Post = typeof posts.$inferSelect
