import { and, eq, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { permissions, rolePermissions, roles, sessions, userRoles, users } from '../../db/schema'
import type { Statement } from '../../db/lead-statement'
import type { Callers, Principal } from '../../lib/types'
import { count } from '../../lib/metrics/recorder'

type Access = { roles: string[]; permissions: string[] }
type CacheEntry = Access & { epoch: string; at: number }

// Per-isolate cache keyed on the rbac_epoch sequence: every RBAC change bumps it, so an entry
// is used only while nothing changed. The TTL bounds staleness if a bump ever failed.
const TTL_MS = 60_000
const MAX_ENTRIES = 10_000
const cache = new Map<string, CacheEntry>()
// Callers by session id, each with the epoch it was loaded at: what `recallPrincipal` proves current.
const callers = new Map<string, { principal: Principal; epoch: string; at: number }>()

function remember<V>(map: Map<string, V>, key: string, value: V) {
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!)
  map.set(key, value)
}

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
      // A fresh sequence reads 1 before and after its first nextval: is_called tells them apart.
      epoch: sql<string>`(select case when is_called then last_value else 0 end::text from rbac_epoch)`,
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
    remember(cache, row.id, { ...access, epoch: row.epoch, at: Date.now() })
  }
  const principal: Principal = {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerified: row.emailVerifiedAt !== null,
    sessionId: row.sessionId,
    roles: access.roles,
    permissions: access.permissions,
  }
  remember(callers, row.sessionId, { principal, epoch: row.epoch, at: Date.now() })
  return principal
}

/**
 * The caller last loaded for these claims in this isolate, with the statement that proves it is
 * still current: `assert_caller` (migration 0009) raises OU401 when the session ended or the user
 * or the RBAC epoch changed since, so a remembered caller is never trusted without Postgres.
 */
export function recallPrincipal(claims: {
  sub: string
  sid: string
}): { principal: Principal; proof: Statement } | undefined {
  const hit = callers.get(claims.sid)
  const fresh = hit && hit.principal.id === claims.sub && Date.now() - hit.at < TTL_MS
  count('outpost_cache_requests_total', { cache: 'callers', result: fresh ? 'hit' : 'miss' })
  if (!fresh) return undefined
  const p = hit.principal
  const params = [p.sessionId, p.id, p.email, p.name, p.emailVerified, hit.epoch]
  return { principal: p, proof: { sql: 'select assert_caller($1, $2, $3, $4, $5, $6)', params } }
}

/** The error `assert_caller` raises for a caller that changed. */
export const isStaleCaller = (err: unknown) => (err as { code?: unknown } | null)?.code === 'OU401'

/** What lib/auth.ts uses to find callers (the app hands it over, so lib imports no feature). */
export const principalSource: Callers = {
  load: loadPrincipal,
  recall: recallPrincipal,
  forget: (claims) => callers.delete(claims.sid),
  isStale: isStaleCaller,
}

/** Call after any committed change to roles, permissions or assignments. */
export async function bumpRbacEpoch(db: Database) {
  cache.clear()
  callers.clear()
  await db.execute(sql`select nextval('rbac_epoch')`)
}
