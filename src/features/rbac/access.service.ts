import { and, eq, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { permissions, rolePermissions, roles, sessions, userRoles, users } from '../../db/schema'
import type { Principal } from '../../lib/types'

type Access = { roles: string[]; permissions: string[] }
type CacheEntry = Access & { epoch: string; at: number }

// Per-isolate cache keyed on the rbac_epoch sequence: every RBAC change bumps it, so an entry
// is used only while nothing changed. The TTL bounds staleness if a bump ever failed.
const TTL_MS = 60_000
const MAX_ENTRIES = 10_000
const cache = new Map<string, CacheEntry>()

/** Roles and `resource:action` permissions of a user, straight from Postgres. */
export async function accessOf(db: Database, userId: string): Promise<Access> {
  const rows = await db
    .select({
      role: roles.name,
      permission: sql<string | null>`${permissions.resource} || ':' || ${permissions.action}`,
    })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .leftJoin(rolePermissions, eq(rolePermissions.roleId, roles.id))
    .leftJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
    .where(eq(userRoles.userId, userId))
  const roleSet = new Set<string>()
  const permSet = new Set<string>()
  for (const r of rows) {
    roleSet.add(r.role)
    if (r.permission) permSet.add(r.permission)
  }
  return { roles: [...roleSet].sort(), permissions: [...permSet].sort() }
}

/**
 * Loads the caller of an access token in one query (user, session state, RBAC epoch), then its
 * roles and permissions from the cache or Postgres. Null when the user or session is gone.
 */
export async function loadPrincipal(db: Database, claims: { sub: string; sid: string }): Promise<Principal | null> {
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      emailVerifiedAt: users.emailVerifiedAt,
      sessionId: sessions.id,
      epoch: sql<string>`(select last_value::text from rbac_epoch)`,
    })
    .from(users)
    .innerJoin(sessions, and(eq(sessions.id, claims.sid), eq(sessions.userId, users.id)))
    .where(and(eq(users.id, claims.sub), sql`${sessions.revokedAt} is null`, sql`${sessions.expiresAt} > now()`))
  if (!row) return null
  const hit = cache.get(row.id)
  let access: Access
  if (hit && hit.epoch === row.epoch && Date.now() - hit.at < TTL_MS) {
    access = hit
  } else {
    access = await accessOf(db, row.id)
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!)
    cache.set(row.id, { ...access, epoch: row.epoch, at: Date.now() })
  }
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerified: row.emailVerifiedAt !== null,
    sessionId: row.sessionId,
    roles: access.roles,
    permissions: access.permissions,
  }
}

/** Call after any committed change to roles, permissions or assignments. */
export async function bumpRbacEpoch(db: Database) {
  cache.clear()
  await db.execute(sql`select nextval('rbac_epoch')`)
}
