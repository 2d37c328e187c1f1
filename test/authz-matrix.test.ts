/**
 * The authorization matrix. First the identity API: every route of users, rbac and admin, called
 * by every principal (test/principals.ts) with the exact status each one must get. Bodies
 * are valid and destructive rows get fresh records per caller, so only authorization decides the
 * answer. Then every route of the app's route table, by every principal, through its gate
 * (test/route-access.ts): a served route with no row fails, so no new route skips it.
 */
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SELF } from 'cloudflare:test'
import { app } from '../src/app'
import { deadLetters, permissions, rolePermissions, roles, userRoles, users } from '../src/db/schema'
import { api, BASE, withDb } from './helpers'
import { type Credentials, PRINCIPALS, type Principal, REFUSED_AS, seedPrincipals } from './principals'
import { type Access, ROUTE_ACCESS } from './route-access'

type Actor = 'anonymous' | 'user' | 'moderator' | 'admin'
const ACTORS: Actor[] = ['anonymous', 'user', 'moderator', 'admin']
const SHORT: Record<Actor, string> = { anonymous: 'anon', user: 'user', moderator: 'moderator', admin: 'admin' }
const CODE_OF: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'VALIDATION_ERROR',
  426: 'UPGRADE_REQUIRED',
}

/** What a row's path and body are built from. `target`, `role` and `permission` are shared unless the row makes fresh ones. */
type Ctx = {
  /** The caller's own user id (for the anonymous caller, some other user's). */
  self: string
  /** A plain user who is none of the callers. */
  other: string
  target: string
  role: string
  permission: string
  /** Unique per cell, for names and emails. */
  stamp: string
}

type Row = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  route: string
  fresh?: (ctx: Ctx) => Promise<Partial<Ctx>>
  path: (ctx: Ctx) => string
  body?: (ctx: Ctx) => unknown
  expect: Record<Actor, number>
  /** Technicians and customer users get what `user` gets on these routes, unless this says otherwise. */
  also?: Partial<Record<Principal, number>>
}

const stamp = () => crypto.randomUUID().replace(/-/g, '').slice(0, 12)

/** A user row without a password hash or session: a target, never a caller. */
async function freshUser(roleNames: string[] = ['user']) {
  return withDb(async (db) => {
    const [u] = await db
      .insert(users)
      .values({ email: `target-${stamp()}@example.com`, name: 'Target', passwordHash: 'x' })
      .returning({ id: users.id })
    for (const name of roleNames) {
      const [r] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, name))
      await db.insert(userRoles).values({ userId: u!.id, roleId: r!.id })
    }
    return u!.id
  })
}

async function freshRole(grant?: string) {
  return withDb(async (db) => {
    const [r] = await db
      .insert(roles)
      .values({ name: `matrix-${stamp()}` })
      .returning({ id: roles.id })
    if (grant) await db.insert(rolePermissions).values({ roleId: r!.id, permissionId: grant })
    return r!.id
  })
}

async function freshPermission() {
  return withDb(async (db) => {
    const [p] = await db
      .insert(permissions)
      .values({ resource: `matrix${stamp()}`, action: 'read' })
      .returning({ id: permissions.id })
    return p!.id
  })
}

/** A jobs dead letter naming no execution: replaying it sends a message its consumer acks and ignores. */
async function freshDeadLetter() {
  return withDb(async (db) => {
    const [d] = await db
      .insert(deadLetters)
      .values({ queue: 'jobs', messageId: stamp(), body: { executionId: crypto.randomUUID() }, failedAt: new Date() })
      .returning({ id: deadLetters.id })
    return d!.id
  })
}

async function assign(userId: string, roleId: string) {
  await withDb((db) => db.insert(userRoles).values({ userId, roleId }))
}

const ok = (status: number) => ({ anonymous: 401, user: status, moderator: status, admin: status })
const adminOnly = (status: number) => ({ anonymous: 401, user: 403, moderator: 403, admin: status })

const ROWS: Row[] = [
  // users
  {
    method: 'GET',
    route: '/users',
    path: () => '/users',
    expect: { anonymous: 401, user: 403, moderator: 200, admin: 200 },
  },
  {
    method: 'POST',
    route: '/users',
    path: () => '/users',
    body: (c) => ({ email: `created-${c.stamp}@example.com`, password: 'long enough password', name: 'Created' }),
    expect: adminOnly(201),
  },
  { method: 'GET', route: '/users/:id (own)', path: (c) => `/users/${c.self}`, expect: ok(200) },
  {
    method: 'GET',
    route: '/users/:id (other)',
    path: (c) => `/users/${c.other}`,
    expect: { anonymous: 401, user: 404, moderator: 200, admin: 200 },
  },
  {
    method: 'PUT',
    route: '/users/:id (own name)',
    path: (c) => `/users/${c.self}`,
    body: (c) => ({ name: `Renamed ${c.stamp}` }),
    expect: ok(200),
  },
  {
    method: 'PUT',
    route: '/users/:id (own email)',
    path: (c) => `/users/${c.self}`,
    body: (c) => ({ email: `changed-${c.stamp}@example.com` }),
    expect: { anonymous: 401, user: 403, moderator: 403, admin: 200 },
  },
  {
    method: 'PUT',
    route: '/users/:id (other)',
    path: (c) => `/users/${c.other}`,
    body: (c) => ({ name: `Renamed ${c.stamp}` }),
    expect: { anonymous: 401, user: 404, moderator: 403, admin: 200 },
  },
  {
    method: 'DELETE',
    route: '/users/:id (other)',
    fresh: async () => ({ target: await freshUser() }),
    path: (c) => `/users/${c.target}`,
    expect: adminOnly(204),
  },
  { method: 'DELETE', route: '/users/:id (own)', path: (c) => `/users/${c.self}`, expect: adminOnly(409) },
  {
    method: 'GET',
    route: '/users/:id/posts',
    path: (c) => `/users/${c.other}/posts`,
    expect: ok(200),
    also: { technician: 403, customer: 403 },
  },

  // rbac: roles
  { method: 'GET', route: '/rbac/roles', path: () => '/rbac/roles', expect: adminOnly(200) },
  {
    method: 'POST',
    route: '/rbac/roles',
    path: () => '/rbac/roles',
    body: (c) => ({ name: `created-${c.stamp}` }),
    expect: adminOnly(201),
  },
  { method: 'GET', route: '/rbac/roles/:id', path: (c) => `/rbac/roles/${c.role}`, expect: adminOnly(200) },
  {
    method: 'PUT',
    route: '/rbac/roles/:id',
    path: (c) => `/rbac/roles/${c.role}`,
    body: (c) => ({ description: `described ${c.stamp}` }),
    expect: adminOnly(200),
  },
  {
    method: 'DELETE',
    route: '/rbac/roles/:id',
    fresh: async () => ({ role: await freshRole() }),
    path: (c) => `/rbac/roles/${c.role}`,
    expect: adminOnly(204),
  },

  // rbac: permissions
  { method: 'GET', route: '/rbac/permissions', path: () => '/rbac/permissions', expect: adminOnly(200) },
  {
    method: 'POST',
    route: '/rbac/permissions',
    path: () => '/rbac/permissions',
    body: (c) => ({ resource: `created${c.stamp}`, action: 'read' }),
    expect: adminOnly(201),
  },
  {
    method: 'GET',
    route: '/rbac/permissions/:id',
    path: (c) => `/rbac/permissions/${c.permission}`,
    expect: adminOnly(200),
  },
  {
    method: 'PUT',
    route: '/rbac/permissions/:id',
    path: (c) => `/rbac/permissions/${c.permission}`,
    body: (c) => ({ description: `described ${c.stamp}` }),
    expect: adminOnly(200),
  },
  {
    method: 'DELETE',
    route: '/rbac/permissions/:id',
    fresh: async () => ({ permission: await freshPermission() }),
    path: (c) => `/rbac/permissions/${c.permission}`,
    expect: adminOnly(204),
  },

  // rbac: assignments and grants
  {
    method: 'GET',
    route: '/rbac/users/:userId/roles',
    path: (c) => `/rbac/users/${c.other}/roles`,
    expect: adminOnly(200),
  },
  {
    method: 'POST',
    route: '/rbac/users/:userId/roles',
    fresh: async () => ({ target: await freshUser() }),
    path: (c) => `/rbac/users/${c.target}/roles`,
    body: (c) => ({ roleId: c.role }),
    expect: adminOnly(201),
  },
  {
    method: 'DELETE',
    route: '/rbac/users/:userId/roles',
    fresh: async (c) => {
      const target = await freshUser()
      await assign(target, c.role)
      return { target }
    },
    path: (c) => `/rbac/users/${c.target}/roles`,
    body: (c) => ({ roleId: c.role }),
    expect: adminOnly(204),
  },
  {
    method: 'POST',
    route: '/rbac/roles/:roleId/permissions',
    fresh: async () => ({ role: await freshRole() }),
    path: (c) => `/rbac/roles/${c.role}/permissions`,
    body: (c) => ({ permissionId: c.permission }),
    expect: adminOnly(201),
  },
  {
    method: 'DELETE',
    route: '/rbac/roles/:roleId/permissions',
    fresh: async (c) => ({ role: await freshRole(c.permission) }),
    path: (c) => `/rbac/roles/${c.role}/permissions`,
    body: (c) => ({ permissionId: c.permission }),
    expect: adminOnly(204),
  },
  {
    method: 'POST',
    route: '/rbac/users/:userId/check-permission',
    path: (c) => `/rbac/users/${c.other}/check-permission`,
    body: (c) => ({ resource: 'users', action: 'update', ownerId: c.other }),
    expect: adminOnly(200),
  },
  {
    method: 'GET',
    route: '/rbac/users/:userId/permissions',
    path: (c) => `/rbac/users/${c.other}/permissions`,
    expect: adminOnly(200),
  },
  { method: 'GET', route: '/rbac/me/roles', path: () => '/rbac/me/roles', expect: ok(200) },
  { method: 'GET', route: '/rbac/me/permissions', path: () => '/rbac/me/permissions', expect: ok(200) },

  // admin
  { method: 'GET', route: '/admin/stats', path: () => '/admin/stats', expect: adminOnly(200) },
  { method: 'GET', route: '/admin/analytics', path: () => '/admin/analytics?days=7', expect: adminOnly(200) },
  { method: 'GET', route: '/admin/users', path: () => '/admin/users', expect: adminOnly(200) },
  { method: 'GET', route: '/admin/jobs', path: () => '/admin/jobs', expect: adminOnly(200) },
  { method: 'GET', route: '/admin/logs', path: () => '/admin/logs', expect: adminOnly(200) },
  {
    method: 'PUT',
    route: '/admin/users/:id/role',
    fresh: async () => ({ target: await freshUser() }),
    path: (c) => `/admin/users/${c.target}/role`,
    body: () => ({ role: 'moderator' }),
    expect: adminOnly(200),
  },
  {
    method: 'DELETE',
    route: '/admin/users/:id',
    fresh: async () => ({ target: await freshUser() }),
    path: (c) => `/admin/users/${c.target}`,
    expect: adminOnly(204),
  },
  {
    method: 'PUT',
    route: '/admin/users/:id/plan',
    path: (c) => `/admin/users/${c.other}/plan`,
    body: () => ({ plan: 'PRO' }),
    expect: adminOnly(200),
  },
  { method: 'GET', route: '/admin/dead-letters', path: () => '/admin/dead-letters', expect: adminOnly(200) },
  {
    method: 'POST',
    route: '/admin/dead-letters/:id/replay',
    fresh: async () => ({ target: await freshDeadLetter() }),
    path: (c) => `/admin/dead-letters/${c.target}/replay`,
    expect: adminOnly(202),
  },
]

/** A row's exact expectation for any principal: bad credentials are refused before anything else. */
function expectedCell(row: Row, p: Principal) {
  const refused = p === 'anonymous' ? undefined : REFUSED_AS[p]
  if (refused) return cell(401, refused)
  const status = row.also?.[p] ?? (p in row.expect ? row.expect[p as Actor] : row.expect.user)
  return cell(status, CODE_OF[status])
}

const title = (row: Row) =>
  `${row.method} ${row.route} → ${ACTORS.map((a) => `${SHORT[a]} ${row.expect[a]}`).join(' · ')}`
/** "200", or "403 FORBIDDEN" for an error, so a failing cell shows both numbers and codes. */
const cell = (status: number, code?: string) => (code ? `${status} ${code}` : `${status}`)

let principals: Record<Principal, Credentials>
let serialNumber: string
let base: Omit<Ctx, 'self' | 'stamp'>

beforeAll(async () => {
  ;({ principals, serialNumber } = await seedPrincipals())
  const permission = await freshPermission()
  const other = await freshUser()
  base = { other, target: other, role: await freshRole(permission), permission }
})

async function call(row: Row, ctx: Ctx, caller: Credentials | { token: string }) {
  const headers = 'token' in caller ? { authorization: `Bearer ${caller.token}` } : caller.headers
  return api(`/api/v1${row.path(ctx)}`, { method: row.method, headers, json: row.body?.(ctx) })
}

describe('authorization matrix: users, rbac and admin routes', () => {
  for (const row of ROWS) {
    it(title(row), async () => {
      const actual: Partial<Record<Principal, string>> = {}
      const expected: Partial<Record<Principal, string>> = {}
      for (const p of PRINCIPALS) {
        const caller = principals[p]
        let ctx: Ctx = { ...base, self: caller.userId ?? base.other, stamp: stamp() }
        if (row.fresh) ctx = { ...ctx, ...(await row.fresh(ctx)) }
        const res = await call(row, ctx, caller)
        actual[p] = cell(res.status, res.body?.success === false ? res.body.error.code : undefined)
        expected[p] = expectedCell(row, p)
      }
      tallyCells(expected, actual)
      expect(actual).toEqual(expected)
    })
  }

  it('answers 401 INVALID_TOKEN on every route for a token that does not verify', async () => {
    const answers = new Map<string, string>()
    for (const row of ROWS) {
      const res = await call(row, { ...base, self: base.other, stamp: stamp() }, { token: 'not.a.jwt' })
      answers.set(
        `${row.method} ${row.route}`,
        cell(res.status, res.body?.success === false ? res.body.error.code : undefined),
      )
    }
    expect(Object.fromEntries(answers)).toEqual(
      Object.fromEntries(ROWS.map((r) => [`${r.method} ${r.route}`, '401 INVALID_TOKEN'])),
    )
  })

  it('has a row for every route the users, rbac and admin routers serve', () => {
    const served = app.routes
      // PUT /users/plan belongs to the cron service (every user sets their own plan; test/jobs.test.ts).
      .filter(
        (r) =>
          r.method !== 'ALL' && /^\/api\/v1\/(users|rbac|admin)(\/|$)/.test(r.path) && r.path !== '/api/v1/users/plan',
      )
      .map((r) => `${r.method} ${r.path.replace('/api/v1', '')}`)
    const covered = new Set(ROWS.map((r) => `${r.method} ${r.route.split(' ')[0]}`))
    expect(served.length).toBeGreaterThanOrEqual(29)
    expect(served.filter((route) => !covered.has(route))).toEqual([])
  })
})

const totals = { cells: 0, mismatches: 0 }
function tallyCells(expected: Record<string, string>, actual: Record<string, string>) {
  for (const [p, want] of Object.entries(expected)) {
    totals.cells++
    if (actual[p] !== want) totals.mismatches++
  }
}

afterAll(() => {
  console.log(
    `authorization matrix: ${totals.cells} cells (${PRINCIPALS.length} principals), ${totals.mismatches} mismatches`,
  )
})

/** What `p` must get from a route behind `access`, for the probe request. */
function gateCell({ gate, open }: Access, p: Principal) {
  const passed = cell(open, open >= 400 ? CODE_OF[open] : undefined)
  if (gate === 'public') return passed
  if (gate === 'optional')
    return p === 'anonymous' || p === 'device' || !REFUSED_AS[p] ? passed : cell(401, REFUSED_AS[p])
  // Ingest answers a missing or wrong device key alike, whatever bearer token comes with it.
  if (gate === 'device') return p === 'device' ? passed : cell(401, 'INVALID_TOKEN')
  const refused = REFUSED_AS[p]
  if (refused) return cell(401, refused)
  return gate === 'signedIn' || gate.includes(p as never) ? passed : cell(403, 'FORBIDDEN')
}

const served = () => app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`)

describe('authorization gates of every route the app serves', () => {
  it('has a row for every served route, and none for a route no longer served', () => {
    const routes = served()
    expect(routes.length).toBeGreaterThan(100)
    expect(routes.filter((r) => !(r in ROUTE_ACCESS))).toEqual([])
    expect(Object.keys(ROUTE_ACCESS).filter((r) => !routes.includes(r))).toEqual([])
  })

  for (const [route, access] of Object.entries(ROUTE_ACCESS)) {
    it(`${route} → ${Array.isArray(access.gate) ? access.gate.join('|') : access.gate}, ${access.open} past the gate`, async () => {
      const [method, pattern] = route.split(' ') as [string, string]
      const actual: Record<string, string> = {}
      const expected: Record<string, string> = {}
      for (const p of PRINCIPALS) {
        const fixed: Record<string, string> = { serialNumber, channel: 'public:matrix', n: '1' }
        const path = pattern.replace(/:(\w+)/g, (_, name: string) => fixed[name] ?? crypto.randomUUID())
        const write = !['GET', 'HEAD'].includes(method)
        const res = await SELF.fetch(`${BASE}${path}`, {
          method,
          headers: { ...principals[p].headers, ...(write ? { 'content-type': 'application/json' } : {}) },
          body: write ? JSON.stringify(access.body?.() ?? {}) : undefined,
        })
        const type = res.headers.get('content-type') ?? ''
        const body = type.includes('application/json') ? await res.json<{ error?: { code: string } }>() : undefined
        if (!body) await res.body?.cancel()
        actual[p] = cell(res.status, body?.error?.code)
        expected[p] = gateCell(access, p)
      }
      tallyCells(expected, actual)
      expect(actual).toEqual(expected)
    })
  }
})
