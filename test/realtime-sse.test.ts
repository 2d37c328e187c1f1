import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { hubFor } from '../src/features/realtime/hub.service'
import type { ChannelHub } from '../src/objects/channel-hub'
import { api, data, error } from './helpers'
import { openSse, openSocket, seedCast, uniqueChannel } from './realtime-clients'

let cast: Awaited<ReturnType<typeof seedCast>>
beforeAll(async () => {
  cast = await seedCast()
})

const unique = uniqueChannel
const send = (channel: string, event: string, payload: unknown, token = cast.admin.token) =>
  api<{ channel: string; id: number; delivered: number }>(`/api/v1/sse/admin/send/channel/${channel}`, {
    method: 'POST',
    token,
    json: { event, data: payload },
  })
const publishMany = async (channel: string, n: number, from = 0) => {
  for (let i = from; i < from + n; i++) await hubFor(env.CHANNEL_HUB, channel).publish('tick', { i })
}

describe('SSE streams', () => {
  it('opens with a connected event, then delivers published events with id, event and JSON data', async () => {
    const ch = unique('news')
    const s = await openSse(`/api/v1/sse/connect?channels=${ch}`)
    expect(s.res.status).toBe(200)
    expect(s.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(s.res.headers.get('cache-control')).toContain('no-cache')
    const connected = await s.next()
    expect(connected).toMatchObject({ event: 'connected', id: `${ch}:0`, data: { channels: [ch] } })
    expect(data(await send(ch, 'breaking_news', { title: 'Hi' }))).toEqual({ channel: ch, id: 1, delivered: 1 })
    const ev = await s.next()
    expect(ev).toMatchObject({
      id: `${ch}:1`,
      event: 'breaking_news',
      data: { id: 1, channel: ch, event: 'breaking_news', payload: { title: 'Hi' }, from: cast.admin.user.id },
    })
    await s.close()
  })

  it('merges several channels into one stream, each id holding every channel position', async () => {
    const [a, b] = [unique('a'), unique('b')]
    await publishMany(b, 3)
    const s = await openSse(`/api/v1/sse/connect?channels=${a},${b}`)
    expect((await s.next()).id).toBe(`${a}:0,${b}:3`)
    await send(a, 'x', { n: 1 })
    await send(b, 'y', { n: 2 })
    await send(a, 'x', { n: 3 })
    const got = [await s.next(), await s.next(), await s.next()]
    expect(got.map((e) => [e.event, (e.data as { channel: string }).channel, e.id])).toEqual([
      ['x', a, `${a}:1,${b}:3`],
      ['y', b, `${a}:1,${b}:4`],
      ['x', a, `${a}:2,${b}:4`],
    ])
    await s.close()
  })

  it('replays exactly the missed events, in order, on reconnect with Last-Event-ID, then goes live', async () => {
    const [a, b] = [unique('ra'), unique('rb')]
    const first = await openSse(`/api/v1/sse/connect?channels=${a},${b}`)
    await first.next()
    await publishMany(a, 2)
    await publishMany(b, 1)
    const seen = [await first.next(), await first.next(), await first.next()]
    const lastId = seen.at(-1)!.id!
    await first.close()
    // Missed while disconnected: 3 on a, 2 on b.
    await publishMany(a, 3, 2)
    await publishMany(b, 2, 1)
    const again = await openSse(`/api/v1/sse/connect?channels=${a},${b}`, { 'Last-Event-ID': lastId })
    expect((await again.next()).event).toBe('connected')
    const replayed = [] as { channel: string; id: number }[]
    for (let i = 0; i < 5; i++) replayed.push((await again.next()).data as { channel: string; id: number })
    expect(replayed.filter((m) => m.channel === a).map((m) => m.id)).toEqual([3, 4, 5])
    expect(replayed.filter((m) => m.channel === b).map((m) => m.id)).toEqual([2, 3])
    await send(a, 'live', {})
    const live = await again.next()
    expect(live).toMatchObject({ event: 'live', id: `${a}:6,${b}:3` })
    await again.close()
  })

  it('accepts the resume position as ?lastEventId= too, and replays nothing twice', async () => {
    const ch = unique('q')
    await publishMany(ch, 4)
    const s = await openSse(`/api/v1/sse/connect?channels=${ch}&lastEventId=${ch}:2`)
    await s.next()
    expect([(await s.next()).id, (await s.next()).id]).toEqual([`${ch}:3`, `${ch}:4`])
    await send(ch, 'after', {})
    expect((await s.next()).id).toBe(`${ch}:5`)
    await s.close()
  })

  it('sends event: reset when the id is older than the replay buffer (and for an id never issued)', async () => {
    const ch = unique('old')
    await publishMany(ch, 150)
    const stub = hubFor(env.CHANNEL_HUB, ch)
    // Age every event past the 5-minute window; pruning keeps only the last 100.
    await runInDurableObject(stub, (hub: ChannelHub, state) => {
      state.storage.sql.exec(`UPDATE events SET at = at - 600000`)
      ;(hub as unknown as { log: { prune(): void } }).log.prune()
    })
    const replay = (since: number) => runInDurableObject(stub, (hub: ChannelHub) => hub.replay(since))
    expect((await replay(49)).reset).toBe(true)
    expect((await replay(50)).messages).toHaveLength(100)
    const s = await openSse(`/api/v1/sse/connect?channels=${ch}`, { 'Last-Event-ID': `${ch}:10` })
    await s.next()
    expect(await s.next()).toMatchObject({
      event: 'reset',
      id: `${ch}:150`,
      data: { channel: ch, lastEventId: `${ch}:150` },
    })
    await s.close()
    const future = await openSse(`/api/v1/sse/connect?channels=${ch}`, { 'Last-Event-ID': `${ch}:999` })
    await future.next()
    expect((await future.next()).event).toBe('reset')
    await future.close()
  })

  it('keeps at least the last 100 events, and every event younger than 5 minutes', async () => {
    const ch = unique('keep')
    await publishMany(ch, 250)
    const stub = hubFor(env.CHANNEL_HUB, ch)
    await runInDurableObject(stub, (hub: ChannelHub) => (hub as unknown as { log: { prune(): void } }).log.prune())
    expect((await runInDurableObject(stub, (hub: ChannelHub) => hub.replay(0))).messages.map((m) => m.id)).toEqual(
      Array.from({ length: 250 }, (_, i) => i + 1),
    )
  })

  it('never lets a stalled SSE reader hold up publishing or the other subscribers', async () => {
    const ch = unique('stalled')
    const stalled = await openSse(`/api/v1/sse/connect?channels=${ch}`)
    await stalled.next()
    const ws = await openSocket(ch)
    await ws.next('presence')
    // The stalled client reads nothing while N events go out.
    const N = 1_200
    await publishMany(ch, N)
    const last = await (async () => {
      let m = await ws.next('message')
      while (m.data.id !== N) m = await ws.next('message')
      return m
    })()
    expect(last.data.id).toBe(N)
    expect(ws.frames.filter((f) => f.event === 'message').map((f) => f.data.id)).toEqual(
      Array.from({ length: N }, (_, i) => i + 1),
    )
    // The stalled client was cut off after ~1,000 queued events, in order with no gaps...
    const ids: number[] = []
    const ended = await (async () => {
      for (;;) {
        try {
          ids.push(((await stalled.next(2_000)).data as { id: number }).id)
        } catch (err) {
          return (err as Error).message === 'stream ended'
        }
      }
    })()
    expect(ended).toBe(true)
    expect(ids.length).toBeLessThan(N)
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1))
    // ...and resumes where it stopped.
    const resumed = await openSse(`/api/v1/sse/connect?channels=${ch}`, { 'Last-Event-ID': `${ch}:${ids.at(-1)}` })
    await resumed.next()
    expect(((await resumed.next()).data as { id: number }).id).toBe(ids.length + 1)
    await resumed.close()
    ws.ws.close()
  })

  it('subscribes the caller to its own user channel on /sse/auth/connect, with the token in the query', async () => {
    const ch = unique('mine')
    const s = await openSse(`/api/v1/sse/auth/connect?access_token=${cast.alice.token}&channels=${ch}`)
    expect(s.res.status).toBe(200)
    expect((await s.next()).data).toMatchObject({ channels: [`user:${cast.alice.user.id}`, ch] })
    expect(
      data(
        await api('/api/v1/sse/user/send', {
          method: 'POST',
          token: cast.alice.token,
          json: { event: 'note', data: { text: 'to me' } },
        }),
      ),
    ).toMatchObject({ channel: `user:${cast.alice.user.id}`, id: 1 })
    expect(await s.next()).toMatchObject({
      event: 'note',
      data: { channel: `user:${cast.alice.user.id}`, payload: { text: 'to me' }, from: cast.alice.user.id },
    })
    await s.close()
  })

  it('refuses user channels to anonymous callers (401) and to other users (403); admins may listen', async () => {
    expect((await openSse(`/api/v1/sse/connect?channels=user:${cast.alice.user.id}`)).res.status).toBe(401)
    expect((await openSse(`/api/v1/sse/auth/connect`)).res.status).toBe(401)
    const other = await openSse(`/api/v1/sse/auth/connect?channels=user:${cast.bob.user.id}`, {
      authorization: `Bearer ${cast.alice.token}`,
    })
    expect(other.res.status).toBe(403)
    expect((await other.res.json<{ error: { code: string } }>()).error.code).toBe('FORBIDDEN')
    const project = await openSse(`/api/v1/sse/auth/connect?channels=project:p1`, {
      authorization: `Bearer ${cast.alice.token}`,
    })
    expect(project.res.status).toBe(403)
    const asAdmin = await openSse(`/api/v1/sse/auth/connect?channels=user:${cast.bob.user.id}`, {
      authorization: `Bearer ${cast.admin.token}`,
    })
    expect(asAdmin.res.status).toBe(200)
    await asAdmin.close()
    expect((await openSse(`/api/v1/sse/auth/connect?access_token=not-a-jwt`)).res.status).toBe(401)
  })

  it('rejects malformed channel lists with 422', async () => {
    for (const q of [
      '',
      'channels=',
      'channels=news',
      'channels=public:a%20b',
      `channels=${Array.from({ length: 21 }, (_, i) => `public:c${i}`).join(',')}`,
    ]) {
      const res = await api(`/api/v1/sse/connect?${q}`)
      expect(res.status, q).toBe(422)
      expect(error(res).code).toBe('VALIDATION_ERROR')
    }
  })
})
