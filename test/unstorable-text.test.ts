/**
 * Strings Postgres cannot store (a NUL) or that are not Unicode (a lone surrogate) are refused
 * once, by the router's validation hook, for every route: 422 naming the field, nothing written.
 * The six routes below answered 500 before (issue 17); the rest show the check is not per route.
 */
import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { call, seedUser, validationDetails, withDb } from './helpers'
import type { Method } from './helpers'

const NUL_AND_SURROGATE = '\u0000\ud800'
const REASON = 'must not contain a NUL character or an unpaired UTF-16 surrogate'

let admin: Awaited<ReturnType<typeof seedUser>>

/** Rows in the tables a refused request could have touched. */
const counts = () =>
  withDb(async (db) => {
    const { rows } = await db.execute<Record<string, string>>(
      sql`select (select count(*) from users) as users, (select count(*) from roles) as roles,
        (select count(*) from permissions) as permissions, (select count(*) from customers) as customers,
        (select count(*) from sessions) as sessions`,
    )
    return rows[0]
  })

beforeAll(async () => {
  admin = await seedUser({ roles: ['admin'] })
})

type Case = { method: Method; path: () => string; body: (bad: string) => unknown; field: string; anonymous?: boolean }

// The routes the fuzzer found answering 500 to "\u0000\ud800".
const SIX: Record<string, Case> = {
  'POST /auth/register': {
    method: 'POST',
    path: () => '/auth/register',
    body: (bad) => ({ email: 'nul@example.com', password: 'long enough password', name: `Ada${bad}` }),
    field: 'json.name',
    anonymous: true,
  },
  'PUT /auth/profile': {
    method: 'PUT',
    path: () => '/auth/profile',
    body: (bad) => ({ name: bad }),
    field: 'json.name',
  },
  'PUT /users/:id': {
    method: 'PUT',
    path: () => `/users/${admin.user.id}`,
    body: (bad) => ({ name: `x${bad}` }),
    field: 'json.name',
  },
  'POST /rbac/roles': {
    method: 'POST',
    path: () => '/rbac/roles',
    body: (bad) => ({ name: 'nul-role', description: bad }),
    field: 'json.description',
  },
  'POST /rbac/permissions': {
    method: 'POST',
    path: () => '/rbac/permissions',
    body: (bad) => ({ resource: 'nulthing', action: 'read', description: bad }),
    field: 'json.description',
  },
  'POST /customers': {
    method: 'POST',
    path: () => '/customers',
    body: (bad) => ({ name: `Nordic${bad}` }),
    field: 'json.name',
  },
}

describe('strings Postgres cannot store', () => {
  for (const [route, c] of Object.entries(SIX)) {
    for (const [what, bad] of [
      ['a NUL byte and a lone surrogate', NUL_AND_SURROGATE],
      ['a NUL byte', 'a\u0000b'],
      ['a lone high surrogate', 'a\ud800b'],
      ['a lone low surrogate', 'a\udc00b'],
    ] as const) {
      it(`${route} answers 422 naming the field for ${what}, and writes nothing`, async () => {
        const before = await counts()
        const res = await call(c.method, c.path(), c.anonymous ? undefined : admin.token, c.body(bad))
        expect(validationDetails(res)).toEqual({ [c.field]: REASON })
        expect(await counts()).toEqual(before)
      })
    }
  }

  it('accepts a well-formed pair of surrogates (an emoji), RTL and combining characters', async () => {
    const name = 'Åsa \u{1F9CA} \u05E9\u05DC\u05D5\u05DD e\u0301'
    const res = await call<{ name: string }>('PUT', '/auth/profile', admin.token, { name })
    expect(res.status).toBe(200)
    expect(res.body.success && res.body.data.name).toBe(name)
  })

  it('checks query parameters too: a NUL in a list filter is 422, not a database error', async () => {
    const res = await call('GET', `/users?name=${encodeURIComponent('a\u0000')}`, admin.token)
    expect(validationDetails(res)).toEqual({ 'query.name': REASON })
  })

  it('finds a bad string anywhere in a nested body (each field named)', async () => {
    const res = await call('POST', '/rbac/roles', admin.token, { name: 'nested-role', description: 'ok\u0000' })
    expect(Object.keys(validationDetails(res))).toEqual(['json.description'])
  })
})
