/**
 * Postgres failing, before and during a request: the central error handler answers 503
 * DEPENDENCY_DOWN with `Retry-After`, never 500, on every route; the next request after recovery
 * is served without a restart. Faults are injected as the Worker sees them: a DATABASE_URL on a
 * closed port (nothing accepts connections), or the database's HTTP endpoint failing at fetch.
 */
import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { createDb, createHttpDb } from '../src/db/client'
import { isDependencyFailure } from '../src/lib/dependency-errors'
import { call, expectError, mockFetchFor, seedUser, withDb } from './helpers'

const DOWN_URL = 'postgres://postgres:password@127.0.0.1:9/outpost'
const postgresDown = { ...env, DATABASE_URL: DOWN_URL } as Env

type Body = { success: boolean; error?: { code: string } }

let admin: Awaited<ReturnType<typeof seedUser>>

beforeAll(async () => {
  admin = await seedUser({ roles: ['admin'] })
})

afterEach(() => {
  vi.restoreAllMocks()
})

/** A path for a route pattern: every parameter a fresh UUID. */
const concrete = (pattern: string) => pattern.replace(/:\w+/g, () => crypto.randomUUID())

async function expectDependencyDown(res: Response, what: string) {
  const body = await res.json<Body>()
  expect({ what, status: res.status, code: body.error?.code }).toEqual({ what, status: 503, code: 'DEPENDENCY_DOWN' })
  expect(Number(res.headers.get('retry-after')), what).toBeGreaterThan(0)
}

describe('Postgres unreachable', () => {
  it('classifies what both transports throw at a closed port as a dependency failure', async () => {
    const http = createHttpDb({ url: DOWN_URL, wsProxy: env.DATABASE_WS_PROXY })
    const httpError = await http.execute(sql`select 1`).catch((err: unknown) => err)
    expect(isDependencyFailure(httpError)).toBe(true)

    const { db, close } = createDb({ url: DOWN_URL, wsProxy: env.DATABASE_WS_PROXY, connectTimeoutMs: 2000 })
    const poolError = await db.transaction((tx) => tx.execute(sql`select 1`)).catch((err: unknown) => err)
    await close().catch(() => {})
    expect(isDependencyFailure(poolError)).toBe(true)
  })

  it('does not take a bug or a constraint violation for a dependency failure', async () => {
    expect(isDependencyFailure(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false)
    const unique = await withDb((db) =>
      db.execute(sql`insert into roles (name) values ('admin')`).catch((err: unknown) => err),
    )
    expect(isDependencyFailure(unique)).toBe(false)
    expect(isDependencyFailure(Object.assign(new Error('fetch failed, said the user'), { code: '22P02' }))).toBe(false)
  })

  it('answers sign-in, sign-up and an authenticated read with 503 DEPENDENCY_DOWN and Retry-After', async () => {
    const json = (body: unknown) => ({
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    })
    await expectDependencyDown(
      await app.request(
        '/api/v1/auth/login',
        json({ email: admin.user.email, password: admin.password }),
        postgresDown,
      ),
      'login',
    )
    await expectDependencyDown(
      await app.request(
        '/api/v1/auth/register',
        json({ email: `down-${crypto.randomUUID()}@example.com`, password: 'long enough password', name: 'Down' }),
        postgresDown,
      ),
      'register',
    )
    await expectDependencyDown(
      await app.request('/api/v1/users', { headers: { authorization: `Bearer ${admin.token}` } }, postgresDown),
      'list users',
    )
  })

  it('never answers 500 on any served route, and every 503 carries Retry-After', async () => {
    const routes = [
      ...new Map(app.routes.filter((r) => r.method !== 'ALL').map((r) => [`${r.method} ${r.path}`, r])).values(),
    ]
    const wrong: string[] = []
    let unavailable = 0
    for (const route of routes) {
      const path = concrete(route.path)
      const res = await app.request(
        path,
        {
          method: route.method,
          headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
          body: ['GET', 'HEAD'].includes(route.method) ? undefined : '{}',
        },
        postgresDown,
      )
      await res.body?.cancel()
      if (res.status >= 500 && res.status !== 503) wrong.push(`${route.method} ${route.path} → ${res.status}`)
      if (res.status === 503) {
        unavailable++
        if (!res.headers.get('retry-after')) wrong.push(`${route.method} ${route.path} → 503 without Retry-After`)
      }
    }
    console.log(`postgres down: ${routes.length} routes called, ${unavailable} answered 503, ${wrong.length} wrong`)
    expect(wrong).toEqual([])
    expect(unavailable).toBeGreaterThan(routes.length / 2)
  })

  it('serves again as soon as Postgres is back, without a restart', async () => {
    const headers = { authorization: `Bearer ${admin.token}` }
    expect((await app.request('/api/v1/auth/me', { headers }, postgresDown)).status).toBe(503)
    expect((await call('GET', '/auth/me', admin.token)).status).toBe(200)
  })
})

describe('Postgres failing during a request', () => {
  /** Lets `pass` statements through to the database's HTTP endpoint, then fails every one after. */
  function failAfter(pass: number, failure: () => Response | Promise<Response>) {
    let seen = 0
    return mockFetchFor(`http://${env.DATABASE_WS_PROXY}`, async (req) => {
      seen++
      return seen <= pass ? fetch(req) : failure()
    })
  }

  it('answers 503 DEPENDENCY_DOWN when the connection is lost after the caller was loaded', async () => {
    const other = await seedUser({ roles: ['admin'] })
    failAfter(1, () => {
      throw new TypeError('Network connection lost.')
    })
    const res = await app.request('/api/v1/users?limit=5', { headers: { authorization: `Bearer ${other.token}` } }, env)
    vi.restoreAllMocks()
    await expectDependencyDown(res, 'list after auth')
  })

  it('answers 503 when the endpoint itself answers 5xx (Postgres out of connections)', async () => {
    failAfter(0, () => Response.json({ message: 'sorry, too many clients already', code: '53300' }, { status: 400 }))
    const res = await app.request(
      '/api/v1/auth/login',
      {
        method: 'POST',
        body: JSON.stringify({ email: admin.user.email, password: admin.password }),
        headers: { 'content-type': 'application/json' },
      },
      env,
    )
    vi.restoreAllMocks()
    await expectDependencyDown(res, 'login, too many clients')
  })
})

describe('a multi-statement write interrupted', () => {
  const register = (email: string) =>
    call('POST', '/auth/register', undefined, { email, password: 'Str0ng!pass', name: 'All Or Nothing' })
  const rowsFor = (email: string) =>
    withDb(async (db) => {
      const { rows } = await db.execute<{ users: number; codes: number }>(sql`
        select count(*)::int as users,
          (select count(*)::int from email_otps o join users u on u.id = o.user_id where u.email = ${email}) as codes
        from users where email = ${email}`)
      return rows[0]
    })

  it('sign-up: the code failing after the account was written leaves no account, and signing up again works', async () => {
    const email = `atomic-${crypto.randomUUID()}@example.com`
    // The second statement of the sign-up (the verification code) times out inside Postgres.
    await withDb(async (db) => {
      await db.execute(
        sql.raw(`create function fail_otp() returns trigger language plpgsql as
        $$ begin raise exception 'canceling statement due to statement timeout' using errcode = '57014'; end $$`),
      )
      await db.execute(
        sql.raw('create trigger fail_otp before insert on email_otps for each row execute function fail_otp()'),
      )
    })
    try {
      expectError(await register(email), 503, 'DEPENDENCY_DOWN')
      expect(await rowsFor(email)).toEqual({ users: 0, codes: 0 })
    } finally {
      await withDb(async (db) => {
        await db.execute(sql.raw('drop trigger fail_otp on email_otps'))
        await db.execute(sql.raw('drop function fail_otp()'))
      })
    }
    expect((await register(email)).status).toBe(201)
    expect(await rowsFor(email)).toEqual({ users: 1, codes: 1 })
  })
})

describe('Postgres saturated (more concurrent requests than it has connections for)', () => {
  it('lets requests wait or answers 503 DEPENDENCY_DOWN with Retry-After, never 500, and recovers', async () => {
    // The app's queries run as a role allowed 3 connections: both transports (the HTTP endpoint's pool and the
    // WebSocket pool of a transaction) then ask Postgres for more than it grants, as a busy Neon compute would.
    const role = `saturated_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`
    await withDb(async (db) => {
      await db.execute(sql.raw(`create role ${role} login password 'password' connection limit 3`))
      await db.execute(sql.raw(`grant usage on schema public to ${role}`))
      await db.execute(sql.raw(`grant all on all tables in schema public to ${role}`))
      await db.execute(sql.raw(`grant all on all sequences in schema public to ${role}`))
    })
    const url = new URL(env.DATABASE_URL)
    url.username = role
    const saturated = { ...env, DATABASE_URL: url.toString() } as Env
    const users = await Promise.all(Array.from({ length: 5 }, () => seedUser()))
    const request = (token: string, i: number) =>
      i % 5 === 4
        ? app.request(
            '/api/v1/jobs',
            {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                name: `saturated ${i}`,
                cronExpression: '0 3 * * *',
                targetUrl: 'https://example.com/hook',
              }),
            },
            saturated,
          )
        : app.request(
            i % 2 ? '/api/v1/notifications' : '/api/v1/auth/me',
            { headers: { authorization: `Bearer ${token}` } },
            saturated,
          )

    const answers = await Promise.all(users.flatMap((u) => Array.from({ length: 12 }, (_, i) => request(u.token, i))))
    const seen: Record<string, number> = {}
    for (const res of answers) {
      const body = await res.json<Body>()
      const key = res.ok ? `${res.status}` : `${res.status} ${body.error?.code}`
      seen[key] = (seen[key] ?? 0) + 1
      if (!res.ok) await expectDependencyDown(Response.json(body, res), `saturated: ${res.status}`)
    }
    console.log('saturated Postgres, 60 concurrent requests:', seen)
    expect(
      Object.keys(seen).every((k) => k === '200' || k === '201' || k === '503 DEPENDENCY_DOWN'),
      JSON.stringify(seen),
    ).toBe(true)
    expect((seen['200'] ?? 0) + (seen['201'] ?? 0)).toBeGreaterThan(0)

    // Connections are granted again: every request is served, with no restart.
    await withDb((db) => db.execute(sql.raw(`alter role ${role} connection limit -1`)))
    const again = await Promise.all(users.flatMap((u) => Array.from({ length: 5 }, (_, i) => request(u.token, i))))
    expect(again.map((r) => r.status).sort()).toEqual([...Array(20).fill(200), ...Array(5).fill(201)])
  }, 60_000)
})
