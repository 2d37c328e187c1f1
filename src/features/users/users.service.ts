import type { z } from '@hono/zod-openapi'
import type { BatchItem } from 'drizzle-orm/batch'
import { and, asc, desc, eq, exists, ilike, inArray, sql, type SQL } from 'drizzle-orm'
import type { Database, HttpDatabase, PoolDatabase } from '../../db/client'
import { isUniqueViolation } from '../../db/errors'
import { roles, userRoles, users, type User } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import type { Cache } from '../../lib/cache'
import { hashPassword } from '../../lib/password'
import { profileKeys, userKeys } from '../projects/project-cache'
import { keepingAnAdmin } from '../rbac/rbac.service'
import { UserSchema, type PublicUser, type UserListQuery } from './users.schemas'

// Correlated on "users"."id" spelled out: drizzle renders a bare "id" inside a single-table select.
const rolesOf = sql<string[]>`coalesce((
  select array_agg(r.name order by r.name) from ${userRoles} ur join ${roles} r on r.id = ur.role_id where ur.user_id = "users"."id"
), '{}')`

const publicColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  emailVerifiedAt: users.emailVerifiedAt,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  roles: rolesOf,
}

type Row = Omit<z.input<typeof UserSchema>, 'emailVerified'> & { emailVerifiedAt: Date | null }

/** The table keeps when the email was verified; the API says whether. */
export const toPublicUser = (r: Row): PublicUser =>
  UserSchema.decode({ ...r, emailVerified: r.emailVerifiedAt !== null })

export async function findUserByEmail(db: Database, email: string): Promise<User | undefined> {
  const [user] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.toLowerCase()))
  return user
}

export async function getUser(db: Database, id: string) {
  const [row] = await db.select(publicColumns).from(users).where(eq(users.id, id))
  if (!row) throw ApiError.notFound('User')
  return toPublicUser(row)
}

const SORT_COLUMNS = { createdAt: users.createdAt, email: users.email, name: users.name }

export async function listUsers(db: Database, q: UserListQuery) {
  const filters: SQL[] = []
  const like = (s: string) => `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`
  if (q.email) filters.push(ilike(users.email, like(q.email)))
  if (q.name) filters.push(ilike(users.name, like(q.name)))
  if (q.role) {
    filters.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(userRoles)
          .innerJoin(roles, eq(roles.id, userRoles.roleId))
          .where(and(eq(userRoles.userId, users.id), eq(roles.name, q.role))),
      ),
    )
  }
  const where = filters.length ? and(...filters) : undefined
  const column = SORT_COLUMNS[q.sort.replace('-', '') as keyof typeof SORT_COLUMNS]
  const order = q.sort.startsWith('-') ? desc(column) : asc(column)
  // The total rides along as a window count: one query, one connection (connections are the
  // expensive part on Workers). Only a page past the end needs a separate count.
  const rows = await db
    .select({ ...publicColumns, total: totalRows })
    .from(users)
    .where(where)
    .orderBy(order, asc(users.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(rows, q, toPublicUser, () => db.$count(users, where))
}

/** Resolves role names to ids; an unknown name is a 422 naming it. */
export async function roleIdsByName(db: Database, names: string[]) {
  const found = await db.select({ id: roles.id, name: roles.name }).from(roles).where(inArray(roles.name, names))
  const missing = names.filter((n) => !found.some((r) => r.name === n))
  if (missing.length) throw ApiError.validation({ 'json.roles': `unknown role(s): ${missing.join(', ')}` })
  return found.map((r) => r.id)
}

/**
 * Inserts a user with its roles in one batch (one transaction, one round trip); a taken email is a 409. `also`
 * holds statements that commit with it or not at all (register's verification code, which needs the account's
 * `id` chosen up front).
 */
export async function insertUser(
  db: HttpDatabase,
  input: { id?: string; email: string; password: string; name: string; roles: string[]; emailVerified: boolean },
  also: BatchItem<'pg'>[] = [],
) {
  const roleIds = await roleIdsByName(db, input.roles)
  const passwordHash = await hashPassword(input.password)
  try {
    // The id is chosen here, so the role rows need nothing back from the first statement.
    const id = input.id ?? crypto.randomUUID()
    await db.batch([
      db.insert(users).values({
        id,
        email: input.email,
        name: input.name,
        passwordHash,
        emailVerifiedAt: input.emailVerified ? new Date() : null,
      }),
      db.insert(userRoles).values(roleIds.map((roleId) => ({ userId: id, roleId }))),
      ...also,
    ])
    return id
  } catch (err) {
    if (isUniqueViolation(err))
      throw ApiError.conflict('An account with this email already exists', { email: 'already registered' })
    throw err
  }
}

/** Changes a name or email; the project details that show them are invalidated before it answers. */
export async function updateUser(db: Database, cache: Cache, id: string, patch: { name?: string; email?: string }) {
  try {
    const [row] = await db.update(users).set(patch).where(eq(users.id, id)).returning({ id: users.id })
    if (!row) throw ApiError.notFound('User')
  } catch (err) {
    if (isUniqueViolation(err))
      throw ApiError.conflict('An account with this email already exists', { email: 'already registered' })
    throw err
  }
  if (patch.name !== undefined || patch.email !== undefined) await cache.invalidate(...(await profileKeys(db, id)))
  return getUser(db, id)
}

/** Deletes a user, unless it is the last administrator (409). Resolves, once committed, with who it was. */
export async function deleteUser(db: PoolDatabase, cache: Cache, id: string) {
  const { row, keys } = await keepingAnAdmin(db, id, undefined, async (tx) => {
    // What the cascade changes (its projects, memberships, tasks), read in the same transaction.
    const keys = await userKeys(tx, id)
    const [row] = await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id, email: users.email })
    if (!row) throw ApiError.notFound('User')
    return { row, keys }
  })
  await cache.invalidate(...keys)
  return row
}

/** Users by id, in one query (GraphQL's batched `assignee`, `author`, `owner`); missing ids are left out. */
export async function usersByIds(db: Database, ids: readonly string[]) {
  if (!ids.length) return []
  const rows = await db
    .select(publicColumns)
    .from(users)
    .where(inArray(users.id, [...ids]))
  return rows.map(toPublicUser)
}
