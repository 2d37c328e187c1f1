import { and, eq, ne } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { permissions, roles, userRoles } from '../src/db/schema'
import { bumpRbacEpoch } from '../src/features/rbac/access.service'
import { api, call, data, error, seedUser, tag, validationDetails, withDb, type Method } from './helpers'

type User = {
  id: string
  email: string
  name: string
  emailVerified: boolean
  roles: string[]
  createdAt: string
  updatedAt: string
}
const list = (token: string, query: string) => call<User[]>('GET', `/users?${query}`, token)

/** Seeds users named `<prefix> <suffix>` one after another, so their createdAt follows the given order. */
async function seedNamed(prefix: string, suffixes: string[], extra: { roles?: string[] } = {}) {
  const seeded = []
  for (const s of suffixes)
    seeded.push(await seedUser({ name: `${prefix} ${s}`, email: `${prefix}.${s}@example.com`.toLowerCase(), ...extra }))
  return seeded
}

/** Leaves `userId` as the only holder of the admin role. */
async function makeSoleAdmin(userId: string) {
  await withDb(async (db) => {
    const [admin] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'admin'))
    await db.delete(userRoles).where(and(eq(userRoles.roleId, admin!.id), ne(userRoles.userId, userId)))
    await bumpRbacEpoch(db)
  })
}

async function adminCount() {
  return withDb(async (db) => {
    const rows = await db
      .select({ userId: userRoles.userId })
      .from(userRoles)
      .innerJoin(roles, eq(roles.id, userRoles.roleId))
      .where(eq(roles.name, 'admin'))
    return rows.length
  })
}

describe('GET /users: pagination', () => {
  it('answers a page with meta { page, limit, total }, defaulting to page 1 and limit 20', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const res = await list(token, '')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ success: true, meta: { page: 1, limit: 20 } })
    expect(res.body.success && res.body.meta!.total).toBeGreaterThanOrEqual(1)
  })

  it('lists users with public fields only, never a password hash', async () => {
    const { token } = await seedUser({ roles: ['moderator'] })
    const t = tag()
    await seedNamed(t, ['visible'])
    const [listed] = data(await list(token, `name=${t}`))
    expect(Object.keys(listed!).sort()).toEqual([
      'createdAt',
      'email',
      'emailVerified',
      'id',
      'name',
      'roles',
      'updatedAt',
    ])
  })

  it('splits a filtered result into pages that do not overlap and share one total', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const t = tag()
    const seeded = await seedNamed(t, ['a', 'b', 'c', 'd', 'e'])
    const pages = await Promise.all([1, 2, 3].map((p) => list(token, `name=${t}&sort=name&limit=2&page=${p}`)))
    expect(pages.map((p) => p.body.success && p.body.meta)).toEqual([
      { page: 1, limit: 2, total: 5 },
      { page: 2, limit: 2, total: 5 },
      { page: 3, limit: 2, total: 5 },
    ])
    const ids = pages.flatMap((p) => data(p).map((u) => u.id))
    expect(ids).toEqual(seeded.map((s) => s.user.id))
  })

  it('answers an empty page past the end, still with the total', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const t = tag()
    await seedNamed(t, ['a'])
    const res = await list(token, `name=${t}&page=5`)
    expect(data(res)).toEqual([])
    expect(res.body.success && res.body.meta).toEqual({ page: 5, limit: 20, total: 1 })
  })

  it('accepts limit=100 and refuses limit=101 with 422', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    expect((await list(token, 'limit=100')).status).toBe(200)
    expect(validationDetails(await list(token, 'limit=101'))).toHaveProperty(['query.limit'])
  })

  it.each([
    ['page=0', 'query.page'],
    ['page=-1', 'query.page'],
    ['page=abc', 'query.page'],
    ['limit=0', 'query.limit'],
    ['limit=1.5', 'query.limit'],
    ['sort=password', 'query.sort'],
    ['sort=-passwordHash', 'query.sort'],
  ])('refuses ?%s with 422 naming %s', async (query, field) => {
    const { token } = await seedUser({ roles: ['admin'] })
    expect(validationDetails(await list(token, query))).toHaveProperty([field])
  })
})

describe('GET /users: filters', () => {
  it('filters by a case-insensitive substring of the email', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const t = tag()
    const [match] = await seedNamed(t, ['findme'])
    await seedNamed(t, ['other'])
    const res = await list(token, `email=${t.toUpperCase()}.FINDME@EXAMPLE`)
    expect(data(res).map((u) => u.id)).toEqual([match!.user.id])
  })

  it('filters by a case-insensitive substring of the name', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const t = tag()
    const [match] = await seedNamed(t, ['Needle'])
    await seedNamed(t, ['Hay'])
    const res = await list(token, `name=${t.toUpperCase()} needle`)
    expect(data(res).map((u) => u.id)).toEqual([match!.user.id])
  })

  it('treats % and _ in a filter as literal characters, not wildcards', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const t = tag()
    const [literal] = await seedNamed(t, ['100%_sure'])
    await seedNamed(t, ['100xxsure'])
    expect(data(await list(token, `name=${encodeURIComponent(`${t} 100%_`)}`)).map((u) => u.id)).toEqual([
      literal!.user.id,
    ])
  })

  it('filters by exact role name', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const t = tag()
    const [mod] = await seedNamed(t, ['mod'], { roles: ['moderator'] })
    await seedNamed(t, ['plain'], { roles: ['user'] })
    expect(data(await list(token, `name=${t}&role=moderator`)).map((u) => u.id)).toEqual([mod!.user.id])
    expect(data(await list(token, `name=${t}&role=mod`))).toEqual([])
  })

  it('combines filters with AND', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const t = tag()
    const [both] = await seedNamed(t, ['alpha'], { roles: ['technician'] })
    await seedNamed(t, ['beta'], { roles: ['technician'] })
    await seedNamed(t, ['alphaplain'], { roles: ['user'] })
    expect(data(await list(token, `name=${t} alpha&role=technician`)).map((u) => u.id)).toEqual([both!.user.id])
  })
})

describe('GET /users: sorting', () => {
  // Seeded in an order that differs from both the email and the name order.
  async function seedForSort() {
    const { token } = await seedUser({ roles: ['admin'] })
    const t = tag()
    const b = await seedUser({ name: `${t} bravo`, email: `${t}.c@example.com` })
    const a = await seedUser({ name: `${t} alpha`, email: `${t}.b@example.com` })
    const c = await seedUser({ name: `${t} charlie`, email: `${t}.a@example.com` })
    const ids = async (sort?: string) =>
      data(await list(token, `name=${t}${sort ? `&sort=${sort}` : ''}`)).map((u) => u.id)
    return {
      ids,
      created: [b.user.id, a.user.id, c.user.id],
      byName: [a.user.id, b.user.id, c.user.id],
      byEmail: [c.user.id, a.user.id, b.user.id],
    }
  }

  it('sorts newest first by default, and by createdAt either way', async () => {
    const s = await seedForSort()
    expect(await s.ids()).toEqual([...s.created].reverse())
    expect(await s.ids('createdAt')).toEqual(s.created)
    expect(await s.ids('-createdAt')).toEqual([...s.created].reverse())
  })

  it('sorts by email ascending and descending', async () => {
    const s = await seedForSort()
    expect(await s.ids('email')).toEqual(s.byEmail)
    expect(await s.ids('-email')).toEqual([...s.byEmail].reverse())
  })

  it('sorts by name ascending and descending', async () => {
    const s = await seedForSort()
    expect(await s.ids('name')).toEqual(s.byName)
    expect(await s.ids('-name')).toEqual([...s.byName].reverse())
  })
})

describe('GET /users/:id', () => {
  it('answers the caller their own record with public fields only', async () => {
    const { user, token } = await seedUser({ name: 'Own Reader', roles: ['user'] })
    const res = await call('GET', `/users/${user.id}`, token)
    expect(res.status).toBe(200)
    const body = data(res)
    expect(body).toEqual({
      id: user.id,
      email: user.email,
      name: 'Own Reader',
      emailVerified: true,
      roles: ['user'],
      createdAt: user.createdAt.toISOString(),
      updatedAt: expect.any(String),
    })
  })

  it('answers a plain user the same 404 for another user as for an id that does not exist', async () => {
    const { token } = await seedUser({ roles: ['user'] })
    const { user: other } = await seedUser()
    const hidden = await call('GET', `/users/${other.id}`, token)
    const missing = await call('GET', `/users/${crypto.randomUUID()}`, token)
    expect([hidden.status, missing.status]).toEqual([404, 404])
    expect(error(hidden)).toEqual(error(missing))
  })

  it('lets a moderator read another user', async () => {
    const { token } = await seedUser({ roles: ['moderator'] })
    const { user: other } = await seedUser({ name: 'Readable' })
    expect(data(await call<User>('GET', `/users/${other.id}`, token)).name).toBe('Readable')
  })

  it('answers 404 NOT_FOUND for an unknown id, even to an admin', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const res = await call('GET', `/users/${crypto.randomUUID()}`, token)
    expect(res.status).toBe(404)
    expect(error(res).code).toBe('NOT_FOUND')
  })

  it('answers 422 for an id that is not a uuid', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    expect(validationDetails(await call('GET', '/users/not-a-uuid', token))).toHaveProperty(['param.id'])
  })
})

describe('PUT /users/:id', () => {
  it('lets a user rename themselves, trimming the name', async () => {
    const { user, token } = await seedUser({ name: 'Before' })
    const res = await call<User>('PUT', `/users/${user.id}`, token, { name: '  After  ' })
    expect(res.status).toBe(200)
    expect(data(res).name).toBe('After')
    expect(data(await call<User>('GET', `/users/${user.id}`, token)).name).toBe('After')
  })

  it('moves updatedAt forward and leaves createdAt alone', async () => {
    const { user, token } = await seedUser({ name: 'Clock' })
    const before = data(await call<User>('GET', `/users/${user.id}`, token))
    const after = data(await call<User>('PUT', `/users/${user.id}`, token, { name: 'Clock Two' }))
    expect(after.createdAt).toBe(before.createdAt)
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt))
  })

  it('refuses a user changing their own email with 403, leaving it unchanged', async () => {
    const { user, token } = await seedUser()
    const res = await call('PUT', `/users/${user.id}`, token, { email: `new-${tag()}@example.com` })
    expect(res.status).toBe(403)
    expect(error(res).code).toBe('FORBIDDEN')
    expect(data(await call<User>('GET', `/users/${user.id}`, token)).email).toBe(user.email)
  })

  it('refuses a moderator changing their own email with 403', async () => {
    const { user, token } = await seedUser({ roles: ['moderator'] })
    expect((await call('PUT', `/users/${user.id}`, token, { email: `new-${tag()}@example.com` })).status).toBe(403)
  })

  it('refuses the whole update when a name change comes with a forbidden email change', async () => {
    const { user, token } = await seedUser({ name: 'Unchanged' })
    expect(
      (await call('PUT', `/users/${user.id}`, token, { name: 'Changed', email: `new-${tag()}@example.com` })).status,
    ).toBe(403)
    expect(data(await call<User>('GET', `/users/${user.id}`, token)).name).toBe('Unchanged')
  })

  it("lets an admin change another user's email, stored lowercased", async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const { user, token: ownToken } = await seedUser()
    const email = `Changed-${tag()}@Example.COM`
    const res = await call<User>('PUT', `/users/${user.id}`, token, { email })
    expect(res.status).toBe(200)
    expect(data(res).email).toBe(email.toLowerCase())
    expect(data(await call<User>('GET', `/users/${user.id}`, ownToken)).email).toBe(email.toLowerCase())
  })

  it("answers a moderator 403 for another user's record: readable but not updatable", async () => {
    const { token } = await seedUser({ roles: ['moderator'] })
    const { user: other } = await seedUser({ name: 'Untouched' })
    const res = await call('PUT', `/users/${other.id}`, token, { name: 'Touched' })
    expect(res.status).toBe(403)
    expect(error(res).code).toBe('FORBIDDEN')
  })

  it("answers a plain user 404 for another user's record", async () => {
    const { token } = await seedUser()
    const { user: other, token: otherToken } = await seedUser({ name: 'Untouched' })
    expect((await call('PUT', `/users/${other.id}`, token, { name: 'Touched' })).status).toBe(404)
    expect(data(await call<User>('GET', `/users/${other.id}`, otherToken)).name).toBe('Untouched')
  })

  it('answers 409 CONFLICT for an email another account holds, in any letter case', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const { user: taken } = await seedUser()
    const { user } = await seedUser()
    const res = await call('PUT', `/users/${user.id}`, token, { email: taken.email.toUpperCase() })
    expect(res.status).toBe(409)
    expect(error(res).code).toBe('CONFLICT')
  })

  it.each(['role', 'roles', 'emailVerified', 'id', 'passwordHash', 'createdAt'])(
    'refuses a mass-assigned %s with 422 "unknown field" and changes nothing',
    async (field) => {
      const { user, token } = await seedUser({ name: 'Stable' })
      const value =
        field === 'roles'
          ? ['admin']
          : field === 'emailVerified'
            ? true
            : field === 'id'
              ? crypto.randomUUID()
              : 'admin'
      const res = await call('PUT', `/users/${user.id}`, token, { name: 'Sneaky', [field]: value })
      expect(validationDetails(res)).toEqual({ [`json.${field}`]: 'unknown field' })
      expect(data(await call('GET', `/users/${user.id}`, token))).toMatchObject({ name: 'Stable', roles: ['user'] })
    },
  )

  it.each([
    ['an empty body', {}],
    ['an empty name', { name: '   ' }],
    ['a name over 100 characters', { name: 'x'.repeat(101) }],
    ['a name of the wrong type', { name: 42 }],
    ['an invalid email', { email: 'not-an-email' }],
  ])('refuses %s with 422', async (_, body) => {
    const { user, token } = await seedUser({ roles: ['admin'] })
    validationDetails(await call('PUT', `/users/${user.id}`, token, body))
  })

  it('answers 400 BAD_REQUEST for a body that is not JSON', async () => {
    const { user, token } = await seedUser()
    const res = await api(`/api/v1/users/${user.id}`, {
      method: 'PUT',
      token,
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(400)
    expect(error(res).code).toBe('BAD_REQUEST')
  })

  it('answers 404 for an unknown id and 422 for a malformed one', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    expect((await call('PUT', `/users/${crypto.randomUUID()}`, token, { name: 'Ghost' })).status).toBe(404)
    expect(validationDetails(await call('PUT', '/users/123', token, { name: 'Ghost' }))).toHaveProperty(['param.id'])
  })
})

describe('POST /users', () => {
  it('creates a verified user with the user role by default, who can then sign in', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const email = `created-${tag()}@example.com`
    const res = await call<User>('POST', '/users', token, { email, password: 'long enough password', name: 'Created' })
    expect(res.status).toBe(201)
    expect(data(res)).toMatchObject({ email, name: 'Created', emailVerified: true, roles: ['user'] })
    const login = await api<{ accessToken: string }>('/api/v1/auth/login', {
      method: 'POST',
      json: { email, password: 'long enough password' },
    })
    expect(login.status).toBe(200)
    expect(data(await call<User>('GET', `/users/${data(res).id}`, data(login).accessToken)).id).toBe(data(res).id)
  })

  it('creates a user with the given roles and an unverified email', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const res = await call<User>('POST', '/users', token, {
      email: `Mixed-${tag()}@Example.com`,
      password: 'long enough password',
      name: 'Staff',
      roles: ['technician', 'moderator'],
      emailVerified: false,
    })
    expect(res.status).toBe(201)
    expect(data(res)).toMatchObject({ name: 'Staff', emailVerified: false, roles: ['moderator', 'technician'] })
    expect(data(res).email).toBe(data(res).email.toLowerCase())
  })

  it('answers 409 CONFLICT for an email already registered, in any letter case', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const { user: taken } = await seedUser()
    const res = await call('POST', '/users', token, {
      email: taken.email.toUpperCase(),
      password: 'long enough password',
      name: 'Twin',
    })
    expect(res.status).toBe(409)
    expect(error(res).code).toBe('CONFLICT')
  })

  it('creates exactly one user when two requests race for the same email', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const email = `race-${tag()}@example.com`
    const body = { email, password: 'long enough password', name: 'Racer' }
    const answers = await Promise.all([call('POST', '/users', token, body), call('POST', '/users', token, body)])
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409])
    expect(data(await list(token, `email=${email}`))).toHaveLength(1)
  })

  it('answers 422 for an unknown role name and creates nobody', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const email = `norole-${tag()}@example.com`
    const res = await call('POST', '/users', token, {
      email,
      password: 'long enough password',
      name: 'No Role',
      roles: ['user', 'superuser'],
    })
    // Like every other body error, the detail is keyed by the body field: `json.roles`.
    expect(validationDetails(res)).toEqual({ 'json.roles': expect.stringContaining('superuser') })
    expect(data(await list(token, `email=${email}`))).toEqual([])
  })

  it('answers 422 for a password shorter than 10 characters', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const res = await call('POST', '/users', token, {
      email: `short-${tag()}@example.com`,
      password: '123456789',
      name: 'Short',
    })
    expect(validationDetails(res)).toHaveProperty(['json.password'])
  })

  it('answers 422 naming each missing field', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const details = validationDetails(await call('POST', '/users', token, {}))
    expect(Object.keys(details).sort()).toEqual(['json.email', 'json.name', 'json.password'])
  })

  it.each(['id', 'passwordHash', 'role', 'createdAt'])(
    'refuses a mass-assigned %s with 422 "unknown field"',
    async (field) => {
      const { token } = await seedUser({ roles: ['admin'] })
      const res = await call('POST', '/users', token, {
        email: `mass-${tag()}@example.com`,
        password: 'long enough password',
        name: 'Mass',
        [field]: 'x',
      })
      expect(validationDetails(res)).toEqual({ [`json.${field}`]: 'unknown field' })
    },
  )

  it('refuses a non-admin with 403 even when the body is valid', async () => {
    const { token } = await seedUser({ roles: ['moderator'] })
    const res = await call('POST', '/users', token, {
      email: `mod-${tag()}@example.com`,
      password: 'long enough password',
      name: 'Nope',
    })
    expect(res.status).toBe(403)
    expect(error(res).code).toBe('FORBIDDEN')
  })
})

describe('DELETE /users/:id', () => {
  it('deletes a user: 204 with no body, then 404', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const { user } = await seedUser()
    const res = await call('DELETE', `/users/${user.id}`, token)
    expect(res.status).toBe(204)
    expect(res.body).toBeUndefined()
    expect((await call('GET', `/users/${user.id}`, token)).status).toBe(404)
  })

  it("stops the deleted user's access token working on their next request", async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const victim = await seedUser()
    expect((await call('GET', `/users/${victim.user.id}`, victim.token)).status).toBe(200)
    expect((await call('DELETE', `/users/${victim.user.id}`, token)).status).toBe(204)
    const res = await call('GET', `/users/${victim.user.id}`, victim.token)
    expect(res.status).toBe(401)
    expect(error(res).code).toBe('INVALID_TOKEN')
  })

  it('refuses an admin deleting themselves with 409', async () => {
    const { user, token } = await seedUser({ roles: ['admin'] })
    const res = await call('DELETE', `/users/${user.id}`, token)
    expect(res.status).toBe(409)
    expect(error(res).code).toBe('CONFLICT')
    expect((await call('GET', `/users/${user.id}`, token)).status).toBe(200)
  })

  it('refuses deleting the last admin with 409, and allows it once another admin exists', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    await makeSoleAdmin(admin.user.id)
    // A non-admin who holds users:delete through a custom role.
    const deleter = await seedUser({ roles: ['user'] })
    await withDb(async (db) => {
      await db.insert(permissions).values({ resource: 'users', action: 'delete' }).onConflictDoNothing()
    })
    const perms = data(await call<{ id: string; key: string }[]>('GET', '/rbac/permissions', admin.token))
    const role = data(await call<{ id: string }>('POST', '/rbac/roles', admin.token, { name: `deleter-${tag()}` }))
    await call('POST', `/rbac/roles/${role.id}/permissions`, admin.token, {
      permissionId: perms.find((p) => p.key === 'users:delete')!.id,
    })
    expect((await call('POST', `/rbac/users/${deleter.user.id}/roles`, admin.token, { roleId: role.id })).status).toBe(
      201,
    )

    const refused = await call('DELETE', `/users/${admin.user.id}`, deleter.token)
    expect(refused.status).toBe(409)
    expect(error(refused).code).toBe('CONFLICT')
    expect((await call('GET', `/users/${admin.user.id}`, admin.token)).status).toBe(200)

    await seedUser({ roles: ['admin'] })
    expect((await call('DELETE', `/users/${admin.user.id}`, deleter.token)).status).toBe(204)
  })

  it('keeps an admin when the last two admins delete each other at the same time', async () => {
    // Each round starts from exactly two admins; whatever the interleaving, one must survive. The
    // race is timing-dependent, so it is run several times.
    for (let round = 0; round < 10; round++) {
      const a = await seedUser({ roles: ['admin'] })
      await makeSoleAdmin(a.user.id)
      const b = await seedUser({ roles: ['admin'] })
      const answers = await Promise.all([
        call('DELETE', `/users/${b.user.id}`, a.token),
        call('DELETE', `/users/${a.user.id}`, b.token),
      ])
      expect({ round, statuses: answers.map((r) => r.status).sort(), admins: await adminCount() }).toEqual({
        round,
        statuses: expect.anything(),
        admins: 1,
      })
    }
  })

  it('refuses moderators and users with 403, leaving the record', async () => {
    const { user: target } = await seedUser()
    for (const r of ['user', 'moderator']) {
      const { token } = await seedUser({ roles: [r] })
      const res = await call('DELETE', `/users/${target.id}`, token)
      expect(res.status).toBe(403)
      expect(error(res).code).toBe('FORBIDDEN')
    }
    const { token } = await seedUser({ roles: ['admin'] })
    expect((await call('GET', `/users/${target.id}`, token)).status).toBe(200)
  })

  it('answers 404 for an unknown id and 422 for a malformed one', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    expect((await call('DELETE', `/users/${crypto.randomUUID()}`, token)).status).toBe(404)
    expect(validationDetails(await call('DELETE', '/users/nope', token))).toHaveProperty(['param.id'])
  })
})

describe('anonymous callers', () => {
  it.each<[Method, string]>([
    ['GET', '/users'],
    ['POST', '/users'],
    ['GET', `/users/${crypto.randomUUID()}`],
    ['PUT', `/users/${crypto.randomUUID()}`],
    ['DELETE', `/users/${crypto.randomUUID()}`],
  ])('answers %s %s with 401 UNAUTHORIZED', async (method, path) => {
    const res = await call(method, path, undefined, method === 'POST' || method === 'PUT' ? { name: 'x' } : undefined)
    expect(res.status).toBe(401)
    expect(error(res).code).toBe('UNAUTHORIZED')
  })
})
