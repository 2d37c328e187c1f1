// A read by a caller this isolate loaded before sends its first statement behind the caller's proof
// (`assert_caller`), one round trip in all. These tests change the caller behind the isolate's back,
// straight in Postgres, as another isolate or a background job would, and check the very next read.
import { eq, sql } from 'drizzle-orm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jobAccounts, roles, sessions, userRoles, users } from '../src/db/schema'
import { call, data, expectError, seedUser, withDb } from './helpers'

type SqlBody = { query?: string; queries?: { query: string }[] }

/** The bodies of the requests the Worker sends to Neon's HTTP endpoint while `fn` runs. */
async function postgresTrips(fn: () => Promise<unknown>) {
  const real = globalThis.fetch
  const trips: SqlBody[] = []
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input, init)
    if (new URL(req.url).pathname === '/sql') trips.push(await req.clone().json<SqlBody>())
    return real(req)
  })
  try {
    await fn()
  } finally {
    spy.mockRestore()
  }
  return trips
}

const bumpEpoch = () => withDb((db) => db.execute(sql`select nextval('rbac_epoch')`))

afterEach(() => vi.restoreAllMocks())

describe('reads by a remembered caller', () => {
  it('cost one round trip: the caller proof and the route share one transaction', async () => {
    const { token } = await seedUser()
    expect((await call('GET', '/notifications', token)).status).toBe(200) // loads and remembers the caller
    const trips = await postgresTrips(async () => expect((await call('GET', '/notifications', token)).status).toBe(200))
    expect(trips).toHaveLength(1)
    expect(trips[0]!.queries?.[0]?.query).toContain('assert_caller')
    expect(trips[0]!.queries).toHaveLength(2)
  })

  it('prove the caller on their own when the route sends nothing', async () => {
    const { token } = await seedUser()
    await call('GET', '/rbac/me/permissions', token)
    const trips = await postgresTrips(async () =>
      expect(data(await call('GET', '/rbac/me/permissions', token))).toMatchObject({ roles: ['user'] }),
    )
    expect(trips.map((t) => t.query)).toEqual(['select assert_caller($1, $2, $3, $4, $5, $6)'])
  })

  it('answer 401 on the next read after the session is revoked elsewhere', async () => {
    const { token, sessionId } = await seedUser()
    expect((await call('GET', '/notifications', token)).status).toBe(200)
    await withDb((db) => db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, sessionId)))
    expectError(await call('GET', '/notifications', token), 401, 'INVALID_TOKEN')
  })

  it('never run a route statement for a caller whose session ended (a read that writes first)', async () => {
    const { user, token, sessionId } = await seedUser()
    await call('GET', '/auth/me', token)
    await withDb((db) => db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, sessionId)))
    // GET /jobs/signing-secret creates the job account on first read: its insert must roll back.
    expectError(await call('GET', '/jobs/signing-secret', token), 401, 'INVALID_TOKEN')
    const accounts = await withDb((db) => db.select().from(jobAccounts).where(eq(jobAccounts.userId, user.id)))
    expect(accounts).toEqual([])
  })

  it('see a role granted elsewhere on the next read (the request runs again as the new caller)', async () => {
    const { user, token } = await seedUser()
    expectError(await call('GET', '/users?limit=1', token), 403, 'FORBIDDEN')
    await withDb(async (db) => {
      const [admin] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'admin'))
      await db.insert(userRoles).values({ userId: user.id, roleId: admin!.id })
    })
    await bumpEpoch()
    expect((await call('GET', '/users?limit=1', token)).status).toBe(200)
  })

  it('lose a role revoked elsewhere on the next read', async () => {
    const { user, token } = await seedUser({ roles: ['admin'] })
    expect((await call('GET', '/users?limit=1', token)).status).toBe(200)
    await withDb((db) => db.delete(userRoles).where(eq(userRoles.userId, user.id)))
    await bumpEpoch()
    expectError(await call('GET', '/users?limit=1', token), 403, 'FORBIDDEN')
  })

  it('see a profile changed elsewhere on the next read', async () => {
    const { user, token } = await seedUser({ name: 'Before' })
    expect(data(await call('GET', '/auth/me', token))).toMatchObject({ name: 'Before' })
    await withDb((db) => db.update(users).set({ name: 'After' }).where(eq(users.id, user.id)))
    expect(data(await call('GET', '/auth/me', token))).toMatchObject({ name: 'After' })
  })
})
