import { beforeAll, describe, expect, it } from 'vitest'
import { api, data, error } from './helpers'
import { openSocket, openSse, seedCast, uniqueChannel } from './realtime-clients'

let cast: Awaited<ReturnType<typeof seedCast>>
beforeAll(async () => {
  cast = await seedCast()
})

const unique = uniqueChannel
const post = (path: string, json: unknown, token?: string) => api(`/api/v1${path}`, { method: 'POST', token, json })

describe('realtime send routes', () => {
  it('are admin-only: 401 without a token, 403 for a user', async () => {
    const routes = [
      '/sse/admin/send/channel/public:x',
      `/sse/admin/send/user/${cast.alice.user.id}`,
      '/sse/admin/broadcast',
    ]
    for (const path of routes) {
      expect((await post(path, { event: 'x' })).status, path).toBe(401)
      expect((await post(path, { event: 'x' }, cast.alice.token)).status, path).toBe(403)
    }
    for (const path of ['/sse/admin/stats', '/sse/admin/clients']) {
      expect((await api(`/api/v1${path}`)).status).toBe(401)
      expect((await api(`/api/v1${path}`, { token: cast.alice.token })).status).toBe(403)
    }
  })

  it('validates the body and the target: 422 for bad events, extra fields or channel names, 404 for an unknown user', async () => {
    const cases: [string, unknown][] = [
      ['/sse/admin/send/channel/public:x', {}],
      ['/sse/admin/send/channel/public:x', { event: 'has space' }],
      ['/sse/admin/send/channel/public:x', { event: 'ok', data: {}, channel: 'user:1' }],
      ['/sse/admin/send/channel/nonsense', { event: 'ok' }],
      ['/sse/admin/send/user/not-a-uuid', { event: 'ok' }],
      ['/sse/user/send', { event: 'ok', to: 'someone' }],
      ['/sse/user/send', { event: 'ok', data: { blob: 'x'.repeat(70_000) } }],
    ]
    for (const [path, body] of cases) {
      const res = await post(path, body, path.startsWith('/sse/user') ? cast.alice.token : cast.admin.token)
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(422)
      expect(error(res).code).toBe('VALIDATION_ERROR')
    }
    const missing = await post(`/sse/admin/send/user/${crypto.randomUUID()}`, { event: 'ok' }, cast.admin.token)
    expect(missing.status).toBe(404)
    expect((await post('/sse/user/send', { event: 'ok' })).status).toBe(401)
  })

  // First to connect anything in this file: hubs left over by other tests would receive it too.
  it('broadcasts to every connected client once, whatever channels and transport', async () => {
    const [a, b] = [unique('a'), unique('b')]
    const wsA = await openSocket(a)
    const wsB = await openSocket(b, { token: cast.alice.token })
    const merged = await openSse(`/api/v1/sse/connect?channels=${a},${b}`)
    await merged.next()
    await Promise.all([wsA.next('presence'), wsB.next('presence')])
    const result = data(
      await post(
        '/sse/admin/broadcast',
        { event: 'system_announcement', data: { message: 'New features available!' } },
        cast.admin.token,
      ),
    )
    expect(result).toMatchObject({ channels: 2, delivered: 4 })
    for (const s of [wsA, wsB])
      expect((await s.next('message')).data).toMatchObject({
        event: 'system_announcement',
        broadcastId: (result as { broadcastId: string }).broadcastId,
      })
    expect(await merged.next()).toMatchObject({ event: 'system_announcement' })
    // The copy on the second channel is not delivered again; the next event is the one after it.
    await post(`/sse/admin/send/channel/${b}`, { event: 'after' }, cast.admin.token)
    expect(await merged.next()).toMatchObject({ event: 'after', id: `${a}:1,${b}:2` })
    await merged.close()
    wsA.ws.close()
    wsB.ws.close()
  })

  it('sends to a user channel: every tab of that user gets it, nobody else', async () => {
    const tab = await openSse('/api/v1/sse/auth/connect', { authorization: `Bearer ${cast.alice.token}` })
    await tab.next()
    const ws = await openSocket(`user:${cast.alice.user.id}`, { token: cast.alice.token })
    await ws.next('presence')
    const sent = data(
      await post(
        `/sse/admin/send/user/${cast.alice.user.id}`,
        { event: 'notification', data: { message: 'Your report is ready' } },
        cast.admin.token,
      ),
    )
    expect(sent).toMatchObject({ channel: `user:${cast.alice.user.id}`, delivered: 2 })
    expect(await tab.next()).toMatchObject({
      event: 'notification',
      data: { payload: { message: 'Your report is ready' } },
    })
    expect((await ws.next('message')).data).toMatchObject({ event: 'notification' })
    await tab.close()
    ws.ws.close()
  })

  it('reports connections per channel, totals, and each client with its channels', async () => {
    const [a, b] = [unique('sa'), unique('sb')]
    const ws = await openSocket(a, { token: cast.alice.token })
    const sse = await openSse(`/api/v1/sse/connect?channels=${a},${b}`)
    await sse.next()
    await ws.next('presence')
    const stats = data(
      await api<{ totals: Record<string, number>; channels: { channel: string }[] }>('/api/v1/sse/admin/stats', {
        token: cast.admin.token,
      }),
    )
    expect(
      stats.channels
        .filter((c) => c.channel === a || c.channel === b)
        .sort((x, y) => x.channel.localeCompare(y.channel)),
    ).toEqual([
      { channel: a, websockets: 1, sse: 1, users: 1, lastEventId: 0 },
      { channel: b, websockets: 0, sse: 1, users: 0, lastEventId: 0 },
    ])
    expect(stats.totals.connections).toBeGreaterThanOrEqual(2)
    const clients = data(
      await api<{ id: string; userId: string | null; transport: string; channels: string[] }[]>(
        '/api/v1/sse/admin/clients',
        { token: cast.admin.token },
      ),
    )
    expect(clients.find((c) => c.transport === 'sse' && c.channels.includes(a))).toMatchObject({
      userId: null,
      channels: [a, b],
    })
    expect(clients.find((c) => c.transport === 'websocket' && c.channels.includes(a))).toMatchObject({
      userId: cast.alice.user.id,
      channels: [a],
      connectedAt: expect.any(String),
    })
    await sse.close()
    ws.ws.close()
  })
})
