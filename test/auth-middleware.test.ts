import { createRoute, z } from '@hono/zod-openapi'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { databaseOf } from '../src/db/client'
import { roles, userRoles, users } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { authed, requireAuth, requireRole } from '../src/lib/auth'
import { createRouter } from '../src/lib/create-router'
import { jsonContent, ok, successSchema } from '../src/lib/envelope'
import type { Handler } from '../src/lib/types'
import { bumpRbacEpoch, principalSource } from '../src/features/rbac/access.service'
import { seedUser, withDb } from './helpers'

// The middleware every protected feature router uses, on a throwaway router.
const router = createRouter()
router.use('*', async (c, next) => {
  const config = loadConfig(c.env)
  c.set('config', config)
  c.set('db', databaseOf(config))
  c.set('callers', principalSource)
  c.set('app', router)
  await next()
})
router.get('/me', requireAuth(), (c) => ok(c, c.get('user')))
router.get('/admin', requireAuth(), requireRole('admin'), (c) => ok(c, 'secret'))
router.get('/stream', requireAuth({ allowQueryToken: true }), (c) => ok(c, c.get('user').id))
// As the feature routers declare theirs: the handler's type comes from the route's middleware.
const adminRoute = createRoute({
  method: 'get',
  path: '/typed/admin',
  middleware: authed(requireRole('admin')),
  responses: { 200: jsonContent(successSchema(z.string()), 'The caller') },
})
router.openapi(adminRoute, (c) => ok(c, c.get('user').id))

const get = (path: string, token?: string) =>
  router.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} }, env)
const codeOf = async (res: Response) => (await res.json<{ error: { code: string } }>()).error.code

describe('requireAuth', () => {
  it('loads the user of a valid access token', async () => {
    const { user, token } = await seedUser({ name: 'Grace' })
    const res = await get('/me', token)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      success: true,
      data: { id: user.id, email: user.email, name: 'Grace', roles: ['user'] },
    })
  })

  it('answers 401 UNAUTHORIZED without a token', async () => {
    const res = await get('/me')
    expect(res.status).toBe(401)
    expect(await codeOf(res)).toBe('UNAUTHORIZED')
  })

  it('answers 401 INVALID_TOKEN for a non-bearer scheme or a garbage token', async () => {
    expect(await codeOf(await router.request('/me', { headers: { authorization: 'Basic abc' } }, env))).toBe(
      'INVALID_TOKEN',
    )
    expect(await codeOf(await get('/me', 'not.a.jwt'))).toBe('INVALID_TOKEN')
  })

  it('rejects the token of a deleted user on the next request', async () => {
    const { user, token } = await seedUser()
    await withDb((db) => db.delete(users).where(eq(users.id, user.id)))
    expect(await codeOf(await get('/me', token))).toBe('INVALID_TOKEN')
  })

  it('accepts ?access_token= only where the route allows it (EventSource, WebSocket)', async () => {
    const { user, token } = await seedUser()
    expect((await router.request(`/stream?access_token=${token}`, {}, env)).status).toBe(200)
    expect((await router.request(`/me?access_token=${token}`, {}, env)).status).toBe(401)
    expect(
      ((await (await router.request(`/stream?access_token=${token}`, {}, env)).json()) as { data: string }).data,
    ).toBe(user.id)
  })
})

describe('requireRole', () => {
  it('answers 403 FORBIDDEN for an authenticated user without the role', async () => {
    const { token } = await seedUser({ roles: ['user'] })
    const res = await get('/admin', token)
    expect(res.status).toBe(403)
    expect(await codeOf(res)).toBe('FORBIDDEN')
  })

  it('takes a role change into account on the very next request', async () => {
    const { user, token } = await seedUser({ roles: ['user'] })
    expect((await get('/admin', token)).status).toBe(403)
    await withDb(async (db) => {
      const [admin] = await db.select().from(roles).where(eq(roles.name, 'admin'))
      await db.insert(userRoles).values({ userId: user.id, roleId: admin!.id })
      await bumpRbacEpoch(db)
    })
    expect((await get('/admin', token)).status).toBe(200)
  })
})

describe('typed routes', () => {
  it('runs requireAuth before the checks authed() lists', async () => {
    expect(await codeOf(await get('/typed/admin'))).toBe('UNAUTHORIZED')
    expect(await codeOf(await get('/typed/admin', (await seedUser({ roles: ['user'] })).token))).toBe('FORBIDDEN')
    const { user, token } = await seedUser({ roles: ['admin'] })
    expect(await (await get('/typed/admin', token)).json()).toMatchObject({ data: user.id })
  })

  it('gives a handler a caller only when its route lists requireAuth (checked by tsc)', () => {
    const open = createRoute({ method: 'get', path: '/open', responses: { 204: { description: 'No caller' } } })
    const handler: Handler<typeof open> = (c) => {
      // @ts-expect-error nothing on this route loaded a caller, so `user` may be undefined
      c.get('user').id
      return c.body(null, 204)
    }
    expect(handler).toBeTypeOf('function')
  })
})
