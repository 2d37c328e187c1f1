import { and, eq, ne, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { roles, sessions, userRoles, users } from '../src/db/schema'
import { bumpRbacEpoch } from '../src/features/rbac/access.service'
import {
  adminCount,
  api,
  call,
  data,
  expectError,
  seedUser,
  tag,
  validationDetails,
  withDb,
  type Method,
} from './helpers'

type Stats = {
  users: { total: number; verified: number; unverified: number; signupsLast7Days: number }
  roles: Record<string, number>
  activeSessions: number
}
type Analytics = {
  days: number
  activeUsersInPeriod: number
  series: { date: string; signups: number; activeUsers: number }[]
}
type User = { id: string; email: string; name: string; emailVerified: boolean; roles: string[] }

const adminToken = async () => (await seedUser({ roles: ['admin'] })).token
const stats = async (token: string) => data(await call<Stats>('GET', '/admin/stats', token))
const analytics = async (token: string, days?: number) =>
  data(await call<Analytics>('GET', `/admin/analytics${days === undefined ? '' : `?days=${days}`}`, token))
const setRole = (token: string, id: string, role: string) =>
  call<User>('PUT', `/admin/users/${id}/role`, token, { role })
const rolesOf = async (token: string, id: string) =>
  data(await call<{ name: string }[]>('GET', `/rbac/users/${id}/roles`, token)).map((r) => r.name)
/** 'YYYY-MM-DD' in UTC, `daysAgo` days before today. */
const utcDay = (daysAgo = 0) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)

async function makeSoleAdmin(userId: string) {
  await withDb(async (db) => {
    const [admin] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'admin'))
    await db.delete(userRoles).where(and(eq(userRoles.roleId, admin!.id), ne(userRoles.userId, userId)))
    await bumpRbacEpoch(db)
  })
}

/** A user who signed up `daysAgo` days ago, with no session. */
async function backdatedUser(daysAgo: number) {
  return withDb(async (db) => {
    const at = new Date(Date.now() - daysAgo * 86_400_000)
    const [u] = await db
      .insert(users)
      .values({
        email: `old-${tag()}@example.com`,
        name: 'Old',
        passwordHash: 'x',
        emailVerifiedAt: at,
        createdAt: at,
        updatedAt: at,
      })
      .returning({ id: users.id })
    return u!.id
  })
}

describe('GET /admin/stats', () => {
  it('counts users, verification and sessions of what was created', async () => {
    const token = await adminToken()
    const before = await stats(token)
    await seedUser({ roles: ['user'] })
    await seedUser({ roles: ['user'] })
    await seedUser({ roles: ['customer'], verified: false })
    await seedUser({ roles: ['moderator'] })
    const after = await stats(token)
    expect({
      total: after.users.total - before.users.total,
      verified: after.users.verified - before.users.verified,
      unverified: after.users.unverified - before.users.unverified,
      signupsLast7Days: after.users.signupsLast7Days - before.users.signupsLast7Days,
      activeSessions: after.activeSessions - before.activeSessions,
    }).toEqual({ total: 4, verified: 3, unverified: 1, signupsLast7Days: 4, activeSessions: 4 })
  })

  it('agrees with the database: total is every user, split into verified and unverified', async () => {
    const token = await adminToken()
    await seedUser({ verified: false })
    const s = await stats(token)
    const total = await withDb(async (db) => (await db.select({ n: sql<number>`count(*)::int` }).from(users))[0]!.n)
    expect(s.users.total).toBe(total)
    expect(s.users.verified + s.users.unverified).toBe(total)
    expect(s.users.unverified).toBeGreaterThanOrEqual(1)
  })

  it('counts holders per role, every role listed even with no holder', async () => {
    const token = await adminToken()
    const role = data(
      await call<{ id: string; name: string }>('POST', '/rbac/roles', token, { name: `counted-${tag()}` }),
    )
    const empty = data(
      await call<{ id: string; name: string }>('POST', '/rbac/roles', token, { name: `empty-${tag()}` }),
    )
    const before = await stats(token)
    for (let i = 0; i < 2; i++) {
      const { user } = await seedUser({ roles: ['technician'] })
      await call('POST', `/rbac/users/${user.id}/roles`, token, { roleId: role.id })
    }
    const after = await stats(token)
    expect(Object.keys(after.roles)).toEqual(
      expect.arrayContaining(['admin', 'moderator', 'user', 'technician', 'customer', role.name, empty.name]),
    )
    expect(after.roles[role.name]).toBe(2)
    expect(after.roles[empty.name]).toBe(0)
    expect(after.roles.technician! - before.roles.technician!).toBe(2)
    expect(after.roles.user).toBe(before.roles.user)
  })

  it('counts only signups of the last 7 days in signupsLast7Days', async () => {
    const token = await adminToken()
    const before = await stats(token)
    await backdatedUser(10)
    await backdatedUser(3)
    const after = await stats(token)
    expect(after.users.total - before.users.total).toBe(2)
    expect(after.users.signupsLast7Days - before.users.signupsLast7Days).toBe(1)
  })

  it('leaves revoked and expired sessions out of activeSessions', async () => {
    const token = await adminToken()
    const loggedOut = await seedUser()
    const expired = await seedUser()
    const before = await stats(token)
    expect(
      (await api('/api/v1/auth/logout', { method: 'POST', json: { refreshToken: loggedOut.refreshToken } })).status,
    ).toBeLessThan(300)
    await withDb((db) =>
      db
        .update(sessions)
        .set({ expiresAt: sql`now() - interval '1 minute'` })
        .where(eq(sessions.id, expired.sessionId)),
    )
    const after = await stats(token)
    expect(before.activeSessions - after.activeSessions).toBe(2)
  })
})

describe('GET /admin/analytics', () => {
  it('answers exactly `days` consecutive UTC days ending today', async () => {
    const token = await adminToken()
    const a = await analytics(token, 7)
    expect(a.days).toBe(7)
    expect(a.series.map((d) => d.date)).toEqual([6, 5, 4, 3, 2, 1, 0].map(utcDay))
    for (const d of a.series)
      expect(d).toEqual({
        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        signups: expect.any(Number),
        activeUsers: expect.any(Number),
      })
  })

  it('covers 30 days by default, and 1 or 365 days when asked', async () => {
    const token = await adminToken()
    const byDefault = await analytics(token)
    expect([byDefault.days, byDefault.series.length]).toEqual([30, 30])
    expect((await analytics(token, 1)).series.map((d) => d.date)).toEqual([utcDay()])
    const year = await analytics(token, 365)
    expect([year.series.length, year.series[0]!.date, year.series.at(-1)!.date]).toEqual([365, utcDay(364), utcDay()])
  })

  it("counts today's signups and active users in today's entry", async () => {
    const token = await adminToken()
    const before = (await analytics(token, 7)).series.at(-1)!
    const twice = await seedUser()
    await seedUser()
    // A second sign-in by the same user makes no second active user.
    expect(
      (await api('/api/v1/auth/login', { method: 'POST', json: { email: twice.user.email, password: twice.password } }))
        .status,
    ).toBe(200)
    const after = (await analytics(token, 7)).series.at(-1)!
    expect({ signups: after.signups - before.signups, activeUsers: after.activeUsers - before.activeUsers }).toEqual({
      signups: 2,
      activeUsers: 2,
    })
  })

  it('puts an older signup on its own day', async () => {
    const token = await adminToken()
    const before = await analytics(token, 7)
    await backdatedUser(3)
    const after = await analytics(token, 7)
    const signupsOn = (a: Analytics, date: string) => a.series.find((d) => d.date === date)!.signups
    expect(signupsOn(after, utcDay(3)) - signupsOn(before, utcDay(3))).toBe(1)
    expect(signupsOn(after, utcDay()) - signupsOn(before, utcDay())).toBe(0)
  })

  it('counts each user with a session used in the period once in activeUsersInPeriod', async () => {
    const token = await adminToken()
    const before = (await analytics(token, 7)).activeUsersInPeriod
    const u = await seedUser()
    expect(
      (await api('/api/v1/auth/login', { method: 'POST', json: { email: u.user.email, password: u.password } })).status,
    ).toBe(200)
    expect((await analytics(token, 7)).activeUsersInPeriod - before).toBe(1)
  })

  it.each(['0', '366', '-1', '1.5', 'week'])('refuses days=%s with 422', async (days) => {
    expect(validationDetails(await call('GET', `/admin/analytics?days=${days}`, await adminToken()))).toHaveProperty([
      'query.days',
    ])
  })
})

describe('GET /admin/users', () => {
  it('pages, filters and sorts like /users', async () => {
    const token = await adminToken()
    const t = tag()
    const b = await seedUser({ name: `${t} bravo`, roles: ['customer'] })
    const a = await seedUser({ name: `${t} alpha`, roles: ['customer'] })
    await seedUser({ name: `${t} charlie`, roles: ['user'] })
    const res = await call<User[]>('GET', `/admin/users?name=${t}&role=customer&sort=name&limit=1`, token)
    expect(res.status).toBe(200)
    expect(res.body.success && res.body.meta).toEqual({ page: 1, limit: 1, total: 2 })
    expect(data(res).map((u) => u.id)).toEqual([a.user.id])
    expect(
      data(await call<User[]>('GET', `/admin/users?name=${t}&role=customer&sort=name&limit=1&page=2`, token)).map(
        (u) => u.id,
      ),
    ).toEqual([b.user.id])
  })

  it('refuses limit=101 and an unknown sort with 422', async () => {
    const token = await adminToken()
    expect(validationDetails(await call('GET', '/admin/users?limit=101', token))).toHaveProperty(['query.limit'])
    expect(validationDetails(await call('GET', '/admin/users?sort=passwordHash', token))).toHaveProperty(['query.sort'])
  })
})

describe('PUT /admin/users/:id/role', () => {
  it("makes the role the user's only role", async () => {
    const token = await adminToken()
    const { user } = await seedUser({ roles: ['user', 'moderator'] })
    const res = await setRole(token, user.id, 'technician')
    expect(res.status).toBe(200)
    expect(data(res)).toMatchObject({ id: user.id, roles: ['technician'] })
    expect(await rolesOf(token, user.id)).toEqual(['technician'])
  })

  it('keeps a role the user already holds, dropping the others', async () => {
    const token = await adminToken()
    const { user } = await seedUser({ roles: ['user', 'customer'] })
    expect(data(await setRole(token, user.id, 'customer')).roles).toEqual(['customer'])
    expect(data(await setRole(token, user.id, 'customer')).roles).toEqual(['customer'])
  })

  it("applies to the user's very next request", async () => {
    const token = await adminToken()
    const target = await seedUser({ roles: ['user'] })
    expect((await call('GET', '/users', target.token)).status).toBe(403)
    await setRole(token, target.user.id, 'moderator')
    expect((await call('GET', '/users', target.token)).status).toBe(200)
    await setRole(token, target.user.id, 'admin')
    expect((await call('GET', '/admin/stats', target.token)).status).toBe(200)
    await setRole(token, target.user.id, 'user')
    expect((await call('GET', '/users', target.token)).status).toBe(403)
    expect((await call('GET', '/admin/stats', target.token)).status).toBe(403)
  })

  it('answers 422 for an unknown role and leaves the roles alone', async () => {
    const token = await adminToken()
    const { user } = await seedUser({ roles: ['user'] })
    // Like every other body error, the detail is keyed by the body field: `json.role`.
    expect(validationDetails(await setRole(token, user.id, 'superuser'))).toEqual({
      'json.role': expect.stringContaining('superuser'),
    })
    expect(await rolesOf(token, user.id)).toEqual(['user'])
  })

  it('answers 404 for an unknown user and 422 for a malformed id', async () => {
    const token = await adminToken()
    expectError(await setRole(token, crypto.randomUUID(), 'user'), 404, 'NOT_FOUND')
    expect(validationDetails(await setRole(token, 'someone', 'user'))).toHaveProperty(['param.id'])
  })

  it('refuses a missing role, an empty one and an extra field with 422', async () => {
    const token = await adminToken()
    const { user } = await seedUser()
    expect(validationDetails(await call('PUT', `/admin/users/${user.id}/role`, token, {}))).toHaveProperty([
      'json.role',
    ])
    expect(validationDetails(await call('PUT', `/admin/users/${user.id}/role`, token, { role: '' }))).toHaveProperty([
      'json.role',
    ])
    expect(
      validationDetails(await call('PUT', `/admin/users/${user.id}/role`, token, { role: 'user', roles: ['admin'] })),
    ).toEqual({ 'json.roles': 'unknown field' })
  })

  it('refuses demoting the last admin with 409, and allows it once another admin exists', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    await makeSoleAdmin(admin.user.id)
    expectError(await setRole(admin.token, admin.user.id, 'user'), 409, 'CONFLICT')
    expect(await rolesOf(admin.token, admin.user.id)).toEqual(['admin'])

    await seedUser({ roles: ['admin'] })
    expect(data(await setRole(admin.token, admin.user.id, 'user')).roles).toEqual(['user'])
  })

  it('keeps an admin when the last two admins demote each other at the same time', async () => {
    for (let round = 0; round < 10; round++) {
      const a = await seedUser({ roles: ['admin'] })
      await makeSoleAdmin(a.user.id)
      const b = await seedUser({ roles: ['admin'] })
      const answers = await Promise.all([setRole(a.token, b.user.id, 'user'), setRole(b.token, a.user.id, 'user')])
      expect({ round, statuses: answers.map((r) => r.status).sort(), admins: await adminCount() }).toEqual({
        round,
        statuses: expect.anything(),
        admins: 1,
      })
    }
  })
})

describe('DELETE /admin/users/:id', () => {
  it('deletes a user: 204, gone from the list, and their token stops working', async () => {
    const token = await adminToken()
    const victim = await seedUser()
    const res = await call('DELETE', `/admin/users/${victim.user.id}`, token)
    expect(res.status).toBe(204)
    expect(res.body).toBeUndefined()
    expect(
      data(await call<User[]>('GET', `/admin/users?email=${encodeURIComponent(victim.user.email)}`, token)),
    ).toEqual([])
    expectError(await call('GET', '/rbac/me/roles', victim.token), 401, 'INVALID_TOKEN')
  })

  it('refuses an admin deleting themselves with 409', async () => {
    const { user, token } = await seedUser({ roles: ['admin'] })
    expectError(await call('DELETE', `/admin/users/${user.id}`, token), 409, 'CONFLICT')
    expect((await call('GET', '/admin/stats', token)).status).toBe(200)
  })

  it('deletes another admin while one remains', async () => {
    const token = await adminToken()
    const { user: other } = await seedUser({ roles: ['admin'] })
    expect((await call('DELETE', `/admin/users/${other.id}`, token)).status).toBe(204)
  })

  it('answers 404 for an unknown user and 422 for a malformed id', async () => {
    const token = await adminToken()
    expectError(await call('DELETE', `/admin/users/${crypto.randomUUID()}`, token), 404, 'NOT_FOUND')
    expect(validationDetails(await call('DELETE', '/admin/users/42', token))).toHaveProperty(['param.id'])
  })

  it('refuses a moderator with 403 and keeps the user', async () => {
    const { token } = await seedUser({ roles: ['moderator'] })
    const { user } = await seedUser()
    expectError(await call('DELETE', `/admin/users/${user.id}`, token), 403, 'FORBIDDEN')
    expect((await call('GET', `/users/${user.id}`, token)).status).toBe(200)
  })
})

describe('anonymous callers', () => {
  it.each<[Method, string]>([
    ['GET', '/admin/stats'],
    ['GET', '/admin/analytics'],
    ['GET', '/admin/users'],
    ['PUT', `/admin/users/${crypto.randomUUID()}/role`],
    ['DELETE', `/admin/users/${crypto.randomUUID()}`],
  ])('answers %s %s with 401 UNAUTHORIZED', async (method, path) => {
    expectError(
      await call(method, path, undefined, method === 'PUT' ? { role: 'user' } : undefined),
      401,
      'UNAUTHORIZED',
    )
  })
})

describe('set role on the sole admin', () => {
  it('accepts making the only admin admin again (nothing is taken away)', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    await withDb(async (db) => {
      const [role] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'admin'))
      await db.delete(userRoles).where(and(eq(userRoles.roleId, role!.id), ne(userRoles.userId, admin.user.id)))
    })
    const res = await api(`/api/v1/admin/users/${admin.user.id}/role`, {
      method: 'PUT',
      token: admin.token,
      json: { role: 'admin' },
    })
    expect(res.status).toBe(200)
  })
})
