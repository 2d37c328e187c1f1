import { and, asc, desc, eq, inArray, or, type SQL } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { posts, users } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import { can, grantFor } from '../../lib/permissions'
import type { Principal } from '../../lib/types'
import { PostSchema, type CreatePostInput, type PostListQuery, type UpdatePostInput } from './posts.schemas'

type Caller = Pick<Principal, 'id' | 'permissions'>

/** Moderators (and admins) hold `posts:update` on every post; they see drafts too. */
const isModerator = (caller: Caller) => grantFor(caller.permissions, 'posts', 'update') === 'all'

function assertMayRead(caller: Caller) {
  if (grantFor(caller.permissions, 'posts', 'read') === 'none') throw ApiError.forbidden('You may not read posts')
}

/** What the caller sees: published posts, plus its own drafts (every draft for moderators). */
export const visibleTo = (caller: Caller): SQL | undefined =>
  isModerator(caller) ? undefined : or(eq(posts.published, true), eq(posts.authorId, caller.id))

const visible = (caller: Caller, post: { published: boolean; authorId: string }) =>
  post.published || post.authorId === caller.id || isModerator(caller)

/** A post the caller may see; 404 for a missing one and for someone else's draft alike. */
async function loadPost(db: Database, caller: Caller, id: string) {
  assertMayRead(caller)
  const [row] = await db.select().from(posts).where(eq(posts.id, id))
  if (!row || !visible(caller, row)) throw ApiError.notFound('Post')
  return row
}

/** `posts:<action>` on this post: held for all posts, or `_own` on the caller's. 403 otherwise (it is visible). */
function assertMay(caller: Caller, action: 'update' | 'delete', post: { authorId: string }) {
  if (!can(caller.permissions, caller.id, 'posts', action, post.authorId))
    throw ApiError.forbidden(`You may not ${action} this post`)
}

export async function createPost(db: Database, caller: Caller, input: CreatePostInput) {
  if (!can(caller.permissions, caller.id, 'posts', 'create')) throw ApiError.forbidden('You may not create posts')
  const [row] = await db
    .insert(posts)
    .values({ ...input, authorId: caller.id })
    .returning()
  return PostSchema.decode(row!)
}

const SORT_COLUMNS = { createdAt: posts.createdAt, updatedAt: posts.updatedAt, title: posts.title }

export async function listPosts(db: Database, caller: Caller, q: PostListQuery) {
  assertMayRead(caller)
  const where = and(
    visibleTo(caller),
    q.authorId ? eq(posts.authorId, q.authorId) : undefined,
    q.published ? eq(posts.published, q.published === 'true') : undefined,
  )
  const column = SORT_COLUMNS[q.sort.replace('-', '') as keyof typeof SORT_COLUMNS]
  const rows = await db
    .select({ post: posts, total: totalRows })
    .from(posts)
    .where(where)
    .orderBy(q.sort.startsWith('-') ? desc(column) : asc(column), asc(posts.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => PostSchema.decode(r.post),
    () => db.$count(posts, where),
  )
}

/** A user's posts, as the caller may see them; 404 for an unknown user. */
export async function listUserPosts(db: Database, caller: Caller, userId: string, q: PostListQuery) {
  assertMayRead(caller)
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId))
  if (!user) throw ApiError.notFound('User')
  return listPosts(db, caller, { ...q, authorId: userId })
}

export async function getPost(db: Database, caller: Caller, id: string) {
  return PostSchema.decode(await loadPost(db, caller, id))
}

export async function updatePost(db: Database, caller: Caller, id: string, patch: UpdatePostInput) {
  assertMay(caller, 'update', await loadPost(db, caller, id))
  const [row] = await db.update(posts).set(patch).where(eq(posts.id, id)).returning()
  if (!row) throw ApiError.notFound('Post')
  return PostSchema.decode(row)
}

export async function deletePost(db: Database, caller: Caller, id: string) {
  assertMay(caller, 'delete', await loadPost(db, caller, id))
  const [row] = await db.delete(posts).where(eq(posts.id, id)).returning({ id: posts.id })
  if (!row) throw ApiError.notFound('Post')
}

/** The posts of several authors the caller may see, in one query (GraphQL's batched `user.posts`), newest first. */
export async function postsOfAuthors(db: Database, caller: Caller, authorIds: readonly string[]) {
  if (!authorIds.length || grantFor(caller.permissions, 'posts', 'read') === 'none') return []
  const rows = await db
    .select()
    .from(posts)
    .where(and(visibleTo(caller), inArray(posts.authorId, [...authorIds])))
    .orderBy(desc(posts.createdAt), asc(posts.id))
  return rows.map((p) => PostSchema.decode(p))
}
