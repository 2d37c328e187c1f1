/**
 * The authorization matrix of the identity API: every route of users, rbac, admin and posts, called by
 * an anonymous client, a `user`, a `moderator` and an `admin`, with the exact status each one
 * must get. Bodies are valid and destructive rows get fresh records per caller, so only
 * authorization decides the answer.
 */
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { deadLetters, permissions, posts, rolePermissions, roles, userRoles, users } from '../src/db/schema'
import { api, seedUser, withDb } from './helpers'

type Actor = 'anonymous' | 'user' | 'moderator' | 'admin'
const ACTORS: Actor[] = ['anonymous', 'user', 'moderator', 'admin']
const SHORT: Record<Actor, string> = { anonymous: 'anon', user: 'user', moderator: 'moderator', admin: 'admin' }
const CODE_OF: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT' }

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

/** A post by `authorId`, published or a draft. */
async function freshPost(authorId: string, published: boolean) {
  return withDb(async (db) => {
    const [p] = await db
      .insert(posts)
      .values({ authorId, title: 'Matrix post', content: 'Body', published })
      .returning({ id: posts.id })
    return p!.id
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
  { method: 'GET', route: '/users/:id/posts', path: (c) => `/users/${c.other}/posts`, expect: ok(200) },

  // posts: `posts:*_own` for users, `posts:manage` for moderators; drafts are their author's and moderators'
  { method: 'GET', route: '/posts', path: () => '/posts', expect: ok(200) },
  {
    method: 'POST',
    route: '/posts',
    path: () => '/posts',
    body: (c) => ({ title: `Post ${c.stamp}`, content: 'Body' }),
    expect: ok(201),
  },
  {
    method: 'GET',
    route: "/posts/:id (other's published)",
    fresh: async (c) => ({ target: await freshPost(c.other, true) }),
    path: (c) => `/posts/${c.target}`,
    expect: ok(200),
  },
  {
    method: 'GET',
    route: "/posts/:id (other's draft)",
    fresh: async (c) => ({ target: await freshPost(c.other, false) }),
    path: (c) => `/posts/${c.target}`,
    expect: { anonymous: 401, user: 404, moderator: 200, admin: 200 },
  },
  {
    method: 'PUT',
    route: '/posts/:id (own)',
    fresh: async (c) => ({ target: await freshPost(c.self, false) }),
    path: (c) => `/posts/${c.target}`,
    body: () => ({ published: true }),
    expect: ok(200),
  },
  {
    method: 'PUT',
    route: "/posts/:id (other's published)",
    fresh: async (c) => ({ target: await freshPost(c.other, true) }),
    path: (c) => `/posts/${c.target}`,
    body: () => ({ title: 'Edited' }),
    expect: { anonymous: 401, user: 403, moderator: 200, admin: 200 },
  },
  {
    method: 'PUT',
    route: "/posts/:id (other's draft)",
    fresh: async (c) => ({ target: await freshPost(c.other, false) }),
    path: (c) => `/posts/${c.target}`,
    body: () => ({ title: 'Edited' }),
    expect: { anonymous: 401, user: 404, moderator: 200, admin: 200 },
  },
  {
    method: 'DELETE',
    route: '/posts/:id (own)',
    fresh: async (c) => ({ target: await freshPost(c.self, true) }),
    path: (c) => `/posts/${c.target}`,
    expect: ok(204),
  },
  {
    method: 'DELETE',
    route: "/posts/:id (other's published)",
    fresh: async (c) => ({ target: await freshPost(c.other, true) }),
    path: (c) => `/posts/${c.target}`,
    expect: { anonymous: 401, user: 403, moderator: 204, admin: 204 },
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

const title = (row: Row) =>
  `${row.method} ${row.route} → ${ACTORS.map((a) => `${SHORT[a]} ${row.expect[a]}`).join(' · ')}`
/** "200", or "403 FORBIDDEN" for an error, so a failing cell shows both numbers and codes. */
const cell = (status: number, code?: string) => (code ? `${status} ${code}` : `${status}`)

let tokens: Record<Exclude<Actor, 'anonymous'>, { id: string; token: string }>
let base: Omit<Ctx, 'self' | 'stamp'>

beforeAll(async () => {
  const [user, moderator, admin, other] = await Promise.all([
    seedUser({ roles: ['user'], name: 'Matrix User' }),
    seedUser({ roles: ['moderator'], name: 'Matrix Moderator' }),
    seedUser({ roles: ['admin'], name: 'Matrix Admin' }),
    seedUser({ roles: ['user'], name: 'Matrix Other' }),
  ])
  tokens = {
    user: { id: user.user.id, token: user.token },
    moderator: { id: moderator.user.id, token: moderator.token },
    admin: { id: admin.user.id, token: admin.token },
  }
  const permission = await freshPermission()
  base = { other: other.user.id, target: other.user.id, role: await freshRole(permission), permission }
})

async function call(row: Row, ctx: Ctx, token?: string) {
  return api(`/api/v1${row.path(ctx)}`, { method: row.method, token, json: row.body?.(ctx) })
}

describe('authorization matrix: users, rbac and admin routes', () => {
  for (const row of ROWS) {
    it(title(row), async () => {
      const actual: Partial<Record<Actor, string>> = {}
      const expected: Partial<Record<Actor, string>> = {}
      for (const actor of ACTORS) {
        const caller = actor === 'anonymous' ? undefined : tokens[actor]
        let ctx: Ctx = { ...base, self: caller?.id ?? base.other, stamp: stamp() }
        if (row.fresh) ctx = { ...ctx, ...(await row.fresh(ctx)) }
        const res = await call(row, ctx, caller?.token)
        actual[actor] = cell(res.status, res.body?.success === false ? res.body.error.code : undefined)
        expected[actor] = cell(row.expect[actor], CODE_OF[row.expect[actor]])
      }
      expect(actual).toEqual(expected)
    })
  }

  it('answers 401 INVALID_TOKEN on every route for a token that does not verify', async () => {
    const answers = new Map<string, string>()
    for (const row of ROWS) {
      const res = await call(row, { ...base, self: base.other, stamp: stamp() }, 'not.a.jwt')
      answers.set(
        `${row.method} ${row.route}`,
        cell(res.status, res.body?.success === false ? res.body.error.code : undefined),
      )
    }
    expect(Object.fromEntries(answers)).toEqual(
      Object.fromEntries(ROWS.map((r) => [`${r.method} ${r.route}`, '401 INVALID_TOKEN'])),
    )
  })

  it('has a row for every route the posts router serves', () => {
    const served = [
      ...new Set(
        app.routes
          .filter((r) => r.method !== 'ALL' && /^\/api\/v1\/(posts|users\/:id\/posts)(\/|$)/.test(r.path))
          .map((r) => `${r.method} ${r.path.replace('/api/v1', '')}`),
      ),
    ]
    const covered = new Set(ROWS.map((r) => `${r.method} ${r.route.split(' ')[0]}`))
    expect(served).toHaveLength(6)
    expect(served.filter((route) => !covered.has(route))).toEqual([])
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
