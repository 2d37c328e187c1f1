import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { count, eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { notifications } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { notify } from '../src/features/notifications'
import { hubFor } from '../src/features/realtime/hub.service'
import { emit, type DomainEvents } from '../src/events'
import { listeners } from '../src/events/listeners'
import type { Listener } from '../src/lib/events'
import type { ChannelHub } from '../src/objects/channel-hub'
import { call, data, error, seedUser, withDb } from './helpers'

type Note = {
  id: string
  type: string
  title: string
  message: string
  data: Record<string, unknown>
  readAt: string | null
  createdAt: string
}
type Hubs = Parameters<typeof notify>[1]

const list = (token: string, query = '') => call<Note[]>('GET', `/notifications${query}`, token)

/** What the real ChannelHub of `channel` kept in its replay buffer: `{ event, data }` oldest first. */
async function replayed(channel: string) {
  const { messages } = await runInDurableObject(hubFor(env.CHANNEL_HUB, channel), (hub: ChannelHub) => hub.replay(0))
  return messages.map((m) => ({ event: m.event, data: m.payload }))
}

/** A CHANNEL_HUB namespace whose every hub is unreachable. */
const unreachableHubs = {
  idFromName: (name: string) => name,
  get: () => ({
    publish: async () => {
      throw new Error('hub unreachable')
    },
  }),
} as unknown as Hubs

/** Inserts notifications for `userId`, one second apart in the given order (the last is the newest). */
async function seedNotes(userId: string, n: number, opts: { read?: boolean } = {}) {
  const base = Date.now() - 60_000
  return withDb(async (db) => {
    const rows = await db
      .insert(notifications)
      .values(
        Array.from({ length: n }, (_, i) => ({
          userId,
          type: 'info',
          title: `n${i}`,
          message: 'm',
          createdAt: new Date(base + i * 1000),
          readAt: opts.read ? new Date(base) : null,
        })),
      )
      .returning()
    return rows.map((r) => r.id)
  })
}

/** Adds `listener` to the real map (the Worker reads the same module) until the returned function is called. */
function listen<K extends keyof DomainEvents>(event: K, listener: Listener<DomainEvents[K]>) {
  const list: Listener<DomainEvents[K]>[] = listeners[event]
  list.push(listener)
  return () => void list.splice(list.indexOf(listener), 1)
}

const rowsOf = (userId: string) =>
  withDb((db) => db.select().from(notifications).where(eq(notifications.userId, userId)))

/** Polls until `done` holds for what `read` returns: listeners run under waitUntil, after the response. */
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean = Boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((r) => setTimeout(r, 50))
  }
}
const rowsSoon = (userId: string) =>
  eventually(
    () => rowsOf(userId),
    (rows) => rows.length > 0,
  )

describe('GET /notifications', () => {
  it('lists your notifications newest first, in pages that share one total', async () => {
    const { user, token } = await seedUser()
    const ids = await seedNotes(user.id, 5)
    const pages = await Promise.all([1, 2, 3].map((p) => list(token, `?limit=2&page=${p}`)))
    expect(pages.map((p) => p.body.success && p.body.meta)).toEqual(
      [1, 2, 3].map((page) => ({ page, limit: 2, total: 5 })),
    )
    expect(pages.flatMap((p) => data(p).map((n) => n.id))).toEqual([...ids].reverse())
    expect(Object.keys(data(pages[0]!)[0]!).sort()).toEqual([
      'createdAt',
      'data',
      'id',
      'message',
      'readAt',
      'title',
      'type',
    ])
  })

  it('filters with unread=true and unread=false, and refuses any other value with 422', async () => {
    const { user, token } = await seedUser()
    const read = await seedNotes(user.id, 2, { read: true })
    const unread = await seedNotes(user.id, 1)
    expect(data(await list(token, '?unread=true')).map((n) => n.id)).toEqual(unread)
    expect(
      data(await list(token, '?unread=false'))
        .map((n) => n.id)
        .sort(),
    ).toEqual([...read].sort())
    expect((await list(token, '?unread=yes')).status).toBe(422)
  })

  it("never shows another user's notifications", async () => {
    const a = await seedUser()
    const b = await seedUser()
    await seedNotes(b.user.id, 3)
    const res = await list(a.token)
    expect(data(res)).toEqual([])
    expect(res.body.success && res.body.meta!.total).toBe(0)
  })

  it('refuses limit=101 with 422', async () => {
    const { token } = await seedUser()
    expect((await list(token, '?limit=101')).status).toBe(422)
  })
})

describe('PATCH /notifications/:id/read', () => {
  it('marks a notification read, and a second call keeps the first readAt', async () => {
    const { user, token } = await seedUser()
    const [id] = await seedNotes(user.id, 1)
    const first = data(await call<Note>('PATCH', `/notifications/${id}/read`, token))
    expect(first.id).toBe(id)
    expect(first.readAt).not.toBeNull()
    await new Promise((r) => setTimeout(r, 20))
    const again = await call<Note>('PATCH', `/notifications/${id}/read`, token)
    expect(again.status).toBe(200)
    expect(data(again).readAt).toBe(first.readAt)
  })

  it("answers 404 for another user's notification and leaves it unread", async () => {
    const a = await seedUser()
    const b = await seedUser()
    const [id] = await seedNotes(a.user.id, 1)
    const res = await call('PATCH', `/notifications/${id}/read`, b.token)
    expect(res.status).toBe(404)
    expect(error(res).code).toBe('NOT_FOUND')
    expect((await rowsOf(a.user.id))[0]!.readAt).toBeNull()
  })

  it('answers 404 for an unknown id and 422 for a malformed one', async () => {
    const { token } = await seedUser()
    expect((await call('PATCH', `/notifications/${crypto.randomUUID()}/read`, token)).status).toBe(404)
    expect((await call('PATCH', '/notifications/not-a-uuid/read', token)).status).toBe(422)
  })

  it('takes nothing from a body: a readAt, userId or read=false in it changes nothing', async () => {
    const { user, token } = await seedUser()
    const other = await seedUser()
    const [id] = await seedNotes(user.id, 1)
    const before = Date.now()
    const note = data(
      await call<Note>('PATCH', `/notifications/${id}/read`, token, {
        readAt: '2000-01-01T00:00:00.000Z',
        userId: other.user.id,
        read: false,
      }),
    )
    expect(new Date(note.readAt!).getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(await rowsOf(user.id)).toMatchObject([{ id, userId: user.id }])
  })
})

describe('POST /notifications/read-all', () => {
  it("marks every unread notification of the caller read, counting them, and touches no one else's", async () => {
    const a = await seedUser()
    const b = await seedUser()
    await seedNotes(a.user.id, 3)
    await seedNotes(a.user.id, 1, { read: true })
    await seedNotes(b.user.id, 2)
    expect(data(await call<{ updated: number }>('POST', '/notifications/read-all', a.token))).toEqual({ updated: 3 })
    expect(data(await call<{ updated: number }>('POST', '/notifications/read-all', a.token))).toEqual({ updated: 0 })
    expect(data(await list(a.token, '?unread=true'))).toEqual([])
    expect((await rowsOf(b.user.id)).every((n) => n.readAt === null)).toBe(true)
  })

  it("cannot be pointed at another user's notifications by a userId in the body", async () => {
    const a = await seedUser()
    const b = await seedUser()
    await seedNotes(b.user.id, 2)
    expect(
      data(await call<{ updated: number }>('POST', '/notifications/read-all', a.token, { userId: b.user.id })),
    ).toEqual({ updated: 0 })
    expect((await rowsOf(b.user.id)).every((n) => n.readAt === null)).toBe(true)
  })
})

describe('DELETE /notifications/:id', () => {
  it('deletes a notification: 204 with no body, then 404', async () => {
    const { user, token } = await seedUser()
    const [id] = await seedNotes(user.id, 1)
    const res = await call('DELETE', `/notifications/${id}`, token)
    expect(res.status).toBe(204)
    expect(res.body).toBeUndefined()
    expect((await call('DELETE', `/notifications/${id}`, token)).status).toBe(404)
    expect(await rowsOf(user.id)).toEqual([])
  })

  it("answers 404 for another user's notification and keeps it", async () => {
    const a = await seedUser()
    const b = await seedUser()
    const [id] = await seedNotes(a.user.id, 1)
    expect((await call('DELETE', `/notifications/${id}`, b.token)).status).toBe(404)
    expect(await rowsOf(a.user.id)).toHaveLength(1)
  })

  it('answers 422 for a malformed id', async () => {
    const { token } = await seedUser()
    expect((await call('DELETE', '/notifications/not-a-uuid', token)).status).toBe(422)
  })
})

describe('anonymous callers', () => {
  it('get 401 on every notifications route', async () => {
    const id = crypto.randomUUID()
    for (const [method, path] of [
      ['GET', '/notifications'],
      ['PATCH', `/notifications/${id}/read`],
      ['POST', '/notifications/read-all'],
      ['DELETE', `/notifications/${id}`],
    ] as const) {
      const res = await call(method, path)
      expect(res.status, `${method} ${path}`).toBe(401)
      expect(error(res).code).toBe('UNAUTHORIZED')
    }
  })
})

describe('notify()', () => {
  it('persists the notification and pushes its public shape to user:<id> as "notification"', async () => {
    const { user } = await seedUser()
    const note = await withDb((db) =>
      notify(db, env.CHANNEL_HUB, user.id, {
        type: 'job.failed',
        title: 'Job failed',
        message: 'It broke',
        data: { jobId: 'j1', n: 2 },
      }),
    )
    expect(note).toMatchObject({
      type: 'job.failed',
      title: 'Job failed',
      message: 'It broke',
      data: { jobId: 'j1', n: 2 },
      readAt: null,
    })
    expect(new Date(note.createdAt).toISOString()).toBe(note.createdAt)
    expect((await rowsOf(user.id)).map((r) => r.id)).toEqual([note.id])
    expect(await replayed(`user:${user.id}`)).toEqual([{ event: 'notification', data: note }])
  })

  it('keeps the notification and logs when the push fails', async () => {
    const { user } = await seedUser()
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const note = await withDb((db) =>
      notify(db, unreachableHubs, user.id, { type: 'info', title: 'Hi', message: 'Still here' }),
    )
    expect(
      errors.mock.calls.some(
        ([line]) => String(line).includes('notification push failed') && String(line).includes(note.id),
      ),
    ).toBe(true)
    errors.mockRestore()
    expect((await rowsOf(user.id)).map((r) => r.id)).toEqual([note.id])
  })

  it('refuses a type that is not a short slug, or an oversize message, storing nothing', async () => {
    const { user } = await seedUser()
    await withDb(async (db) => {
      await expect(
        notify(db, env.CHANNEL_HUB, user.id, { type: 'Welcome!', title: 't', message: 'm' }),
      ).rejects.toThrow()
      await expect(
        notify(db, env.CHANNEL_HUB, user.id, { type: 'info', title: 't', message: 'x'.repeat(2001) }),
      ).rejects.toThrow()
    })
    expect(await rowsOf(user.id)).toEqual([])
    expect(await replayed(`user:${user.id}`)).toEqual([])
  })
})

describe('user.created and user.deleted', () => {
  it('welcomes a self-registered user with a notification', async () => {
    const email = `reg-${crypto.randomUUID().slice(0, 8)}@example.com`
    const res = await call<{ id: string }>('POST', '/auth/register', undefined, {
      email,
      password: 'a perfectly fine password',
      name: 'Ada',
    })
    expect(res.status).toBe(201)
    const [welcome] = await rowsSoon(data(res).id)
    expect(welcome).toMatchObject({ type: 'welcome', readAt: null })
    expect(welcome!.title).toContain('Ada')
  })

  it('welcomes a user an administrator created', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    const email = `made-${crypto.randomUUID().slice(0, 8)}@example.com`
    const res = await call<{ id: string }>('POST', '/users', admin.token, {
      email,
      password: 'a perfectly fine password',
      name: 'Grace',
    })
    expect(res.status).toBe(201)
    expect((await rowsSoon(data(res).id)).map((r) => r.type)).toEqual(['welcome'])
  })

  it('pushes the welcome notification to the new user channel', async () => {
    const { user } = await seedUser()
    await withDb((db) =>
      emit('user.created', { userId: user.id, email: user.email, name: 'Ada' }, { db, config: loadConfig(env) }),
    )
    const [welcome] = await rowsOf(user.id)
    expect(await replayed(`user:${user.id}`)).toMatchObject([
      { event: 'notification', data: { id: welcome!.id, type: 'welcome' } },
    ])
  })

  it('tells the deleted user channel "account.deleted"', async () => {
    const userId = crypto.randomUUID()
    await withDb((db) => emit('user.deleted', { userId, email: 'gone@example.com' }, { db, config: loadConfig(env) }))
    expect(await replayed(`user:${userId}`)).toEqual([{ event: 'account.deleted', data: { userId } }])
  })

  it('emits user.deleted once the deletion commits, and the notifications go with the user', async () => {
    const seen: DomainEvents['user.deleted'][] = []
    const unlisten = listen('user.deleted', async (p) => void seen.push(p))
    const admin = await seedUser({ roles: ['admin'] })
    for (const path of ['/users', '/admin/users']) {
      const { user } = await seedUser()
      await seedNotes(user.id, 2)
      expect((await call('DELETE', `${path}/${user.id}`, admin.token)).status).toBe(204)
      expect(await eventually(async () => seen.some((p) => p.userId === user.id && p.email === user.email))).toBe(true)
      const [left] = await withDb((db) =>
        db.select({ n: count() }).from(notifications).where(eq(notifications.userId, user.id)),
      )
      expect(left!.n).toBe(0)
    }
    unlisten()
  })

  it('registers the user even when a user.created listener throws, and the other listeners still run', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const unlisten = listen('user.created', async () => {
      throw new Error('listener broke')
    })
    const email = `fail-${crypto.randomUUID().slice(0, 8)}@example.com`
    const res = await call<{ id: string }>('POST', '/auth/register', undefined, {
      email,
      password: 'a perfectly fine password',
      name: 'Lin',
    })
    expect(res.status).toBe(201)
    expect((await rowsSoon(data(res).id)).map((r) => r.type)).toEqual(['welcome'])
    expect(
      await eventually(async () => errors.mock.calls.some(([line]) => String(line).includes('listener broke'))),
    ).toBe(true)
    errors.mockRestore()
    unlisten()
  })
})
