import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { hubFor, isUserOnline } from '../src/features/realtime/hub.service'
import { ChannelHub } from '../src/objects/channel-hub'
import { api, seedUser } from './helpers'
import { openSocket, openSse, seedCast, uniqueChannel } from './realtime-clients'

let cast: Awaited<ReturnType<typeof seedCast>>
beforeAll(async () => {
  cast = await seedCast()
})

const unique = uniqueChannel
const until = async (check: () => Promise<boolean>, what: string) => {
  for (let i = 0; i < 250; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`never became true: ${what}`)
}

describe('WebSocket channels', () => {
  it('greets with connected and a presence sync, and delivers channel events as message frames', async () => {
    const ch = unique('greet')
    const a = await openSocket(ch, { token: cast.alice.token })
    expect(a.res.status).toBe(101)
    expect((await a.next('connected')).data).toMatchObject({ channel: ch, lastEventId: 0 })
    expect((await a.next('presence')).data).toEqual({
      type: 'sync',
      users: [{ userId: cast.alice.user.id, connections: 1 }],
      anonymous: 0,
    })
    await hubFor(env.CHANNEL_HUB, ch).publish('news', { n: 1 })
    expect((await a.next('message')).data).toMatchObject({
      id: 1,
      channel: ch,
      event: 'news',
      payload: { n: 1 },
      from: null,
    })
    a.ws.close()
  })

  it('gives concurrent publishes distinct consecutive ids, delivers them in id order and keeps them all for replay', async () => {
    const ch = unique('burst')
    const a = await openSocket(ch, { token: cast.alice.token })
    await a.next('connected')
    const hub = hubFor(env.CHANNEL_HUB, ch)
    const results = await Promise.all(Array.from({ length: 40 }, (_, n) => hub.publish('burst', { n })))
    expect(results.map((r) => r.id).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(results.every((r) => r.delivered === 1)).toBe(true)
    const seen: number[] = []
    for (let i = 0; i < 40; i++) seen.push((await a.next('message')).data.id as number)
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    const replay = await runInDurableObject(hub, (h: ChannelHub) => h.replay(0))
    expect(replay.messages.map((m) => [m.id, (m.payload as { n: number }).n])).toEqual(
      results.map((r, n) => [r.id, n]).sort((x, y) => x[0]! - y[0]!),
    )
    // A fresh instance over the same storage (as after eviction) carries on after the last id.
    await runInDurableObject(hub, (_h: ChannelHub, state) =>
      expect(new ChannelHub(state, env).publish('after', null)).resolves.toMatchObject({ id: 41 }),
    )
    a.ws.close()
  })

  it('takes the token from Sec-WebSocket-Protocol and selects the bearer subprotocol', async () => {
    const a = await openSocket(unique('proto'), { protocols: `bearer, ${cast.alice.token}` })
    expect(a.res.status).toBe(101)
    expect(a.res.headers.get('sec-websocket-protocol')).toBe('bearer')
    expect((await a.next('presence')).data).toMatchObject({ users: [{ userId: cast.alice.user.id }] })
    a.ws.close()
  })

  it('refuses anonymous sockets on user channels (401), other users (403), bad tokens (401) and plain GETs (426)', async () => {
    expect((await openSocket(`user:${cast.bob.user.id}`)).res.status).toBe(401)
    expect((await openSocket(`user:${cast.bob.user.id}`, { token: cast.alice.token })).res.status).toBe(403)
    expect((await openSocket(`project:${crypto.randomUUID()}`, { token: cast.alice.token })).res.status).toBe(403)
    expect((await openSocket(unique('bad'), { token: 'nope' })).res.status).toBe(401)
    const own = await openSocket(`user:${cast.alice.user.id}`, { token: cast.alice.token })
    expect(own.res.status).toBe(101)
    own.ws.close()
    const byAdmin = await openSocket(`user:${cast.bob.user.id}`, { token: cast.admin.token })
    expect(byAdmin.res.status).toBe(101)
    byAdmin.ws.close()
    const plain = await openSse(`/api/v1/realtime/channels/${unique('plain')}/ws`)
    expect(plain.res.status).toBe(426)
    expect((await openSse('/api/v1/realtime/channels/nope/ws')).res.status).toBe(422)
  })

  it('answers invalid JSON, unknown events and malformed frames with an error frame and keeps the socket open', async () => {
    const a = await openSocket(unique('bad-frames'), { token: cast.alice.token })
    a.send('{not json')
    expect((await a.next('error')).data).toMatchObject({ code: 'INVALID_JSON' })
    a.send({ event: 'explode', data: {} })
    expect((await a.next('error')).data).toMatchObject({ code: 'UNKNOWN_EVENT' })
    a.send({ event: 'getOnlineStatus', data: { userIds: 'everyone' } })
    expect((await a.next('error')).data).toMatchObject({
      code: 'INVALID_FRAME',
      details: { 'data.userIds': expect.any(String) },
    })
    a.send({ event: 'publish', data: { event: 'big', data: { blob: 'x'.repeat(17_000) } } })
    expect((await a.next('error')).data).toMatchObject({ code: 'FRAME_TOO_LARGE' })
    a.send('null')
    expect((await a.next('error')).data).toMatchObject({ code: 'UNKNOWN_EVENT' })
    a.send({ event: 'ping' })
    expect((await a.next('pong')).event).toBe('pong')
    a.send({ event: 'ping', data: { t: 1 } })
    expect((await a.next('pong')).data).toMatchObject({ at: expect.any(String) })
    a.ws.close()
  })

  it('lets signed-in clients publish on public channels, but not anonymous ones or on user channels', async () => {
    const ch = unique('pub')
    const a = await openSocket(ch, { token: cast.alice.token })
    const anon = await openSocket(ch)
    a.send({ event: 'publish', data: { event: 'chat', data: { text: 'hello' } } })
    expect((await anon.next('message')).data).toMatchObject({
      event: 'chat',
      payload: { text: 'hello' },
      from: cast.alice.user.id,
      id: 1,
    })
    expect((await a.next('message')).data).toMatchObject({ id: 1 })
    anon.send({ event: 'publish', data: { event: 'chat', data: {} } })
    expect((await anon.next('error')).data).toMatchObject({ code: 'UNAUTHORIZED' })
    const own = await openSocket(`user:${cast.alice.user.id}`, { token: cast.alice.token })
    own.send({ event: 'publish', data: { event: 'chat', data: {} } })
    expect((await own.next('error')).data).toMatchObject({ code: 'FORBIDDEN' })
    a.send({ event: 'publish', data: { event: 'bad name!', data: {} } })
    expect((await a.next('error')).data).toMatchObject({ code: 'INVALID_FRAME' })
    for (const s of [a, anon, own]) s.ws.close()
  })

  it('replays missed events with ?since= and sends reset for an id it no longer has', async () => {
    const ch = unique('since')
    for (let i = 0; i < 5; i++) await hubFor(env.CHANNEL_HUB, ch).publish('tick', { i })
    const a = await openSocket(ch, { since: `${ch}:2` })
    const ids = [
      (await a.next('message')).data.id,
      (await a.next('message')).data.id,
      (await a.next('message')).data.id,
    ]
    expect(ids).toEqual([3, 4, 5])
    await hubFor(env.CHANNEL_HUB, ch).publish('tick', { i: 5 })
    expect((await a.next('message')).data.id).toBe(6)
    expect(a.frames.filter((f) => f.event === 'message')).toHaveLength(4)
    const b = await openSocket(ch, { since: '99' })
    expect((await b.next('reset')).data).toEqual({ channel: ch, lastEventId: 6 })
    a.ws.close()
    b.ws.close()
  })

  it('broadcasts typing to the others and expires it after 5 s of silence', async () => {
    const ch = unique('typing')
    const a = await openSocket(ch, { token: cast.alice.token })
    const b = await openSocket(ch, { token: cast.bob.token })
    await b.next('presence')
    a.send({ event: 'typing', data: { roomId: 'r1', userId: 'someone-else' } })
    expect((await b.next('typing')).data).toEqual({ userId: cast.alice.user.id, isTyping: true, roomId: 'r1' })
    a.send({ event: 'stopTyping' })
    expect((await b.next('typing')).data).toEqual({ userId: cast.alice.user.id, isTyping: false })
    a.send({ event: 'typing' })
    expect((await b.next('typing')).data).toMatchObject({ isTyping: true })
    const stub = hubFor(env.CHANNEL_HUB, ch)
    // Five seconds pass without another typing frame.
    await runInDurableObject(stub, (_hub, state) => {
      state.storage.sql.exec(`UPDATE typing SET expires_at = ?`, Date.now() - 1)
    })
    // An alarm that is due runs at once (runDurableObjectAlarm would run it if it had not yet).
    await runInDurableObject(stub, (_hub, state) => state.storage.setAlarm(Date.now()))
    await runDurableObjectAlarm(stub)
    expect((await b.next('typing')).data).toEqual({ userId: cast.alice.user.id, isTyping: false, expired: true })
    expect(a.frames.filter((f) => f.event === 'typing')).toHaveLength(0)
    a.ws.close()
    b.ws.close()
  })

  it('keeps a user present while any tab is open: one join, and leave only when the last tab closes', async () => {
    const ch = unique('tabs')
    const erin = await seedUser()
    const watcher = await openSocket(ch, { token: cast.bob.token })
    await watcher.next('presence')
    const tab1 = await openSocket(ch, { token: erin.token })
    expect((await watcher.next('presence')).data).toEqual({ type: 'join', userId: erin.user.id })
    const tab2 = await openSocket(ch, { token: erin.token })
    expect((await tab2.next('presence')).data).toMatchObject({
      type: 'sync',
      users: expect.arrayContaining([{ userId: erin.user.id, connections: 2 }]),
    })
    expect(await isUserOnline(env.PRESENCE_HUB, erin.user.id)).toEqual({ online: true, connections: 2 })
    tab1.ws.close()
    await until(
      async () => (await isUserOnline(env.PRESENCE_HUB, erin.user.id)).connections === 1,
      'one connection left',
    )
    expect(watcher.frames.filter((f) => f.event === 'presence' && f.data.type === 'leave')).toHaveLength(0)
    tab2.ws.close()
    expect((await watcher.next('presence')).data).toEqual({ type: 'leave', userId: erin.user.id })
    await until(async () => !(await isUserOnline(env.PRESENCE_HUB, erin.user.id)).online, 'offline')
    watcher.ws.close()
  })

  it('counts a user online across channels and transports, and answers getOnlineStatus', async () => {
    const [carol, dave] = await Promise.all([seedUser(), seedUser()])
    const ws = await openSocket(unique('x'), { token: carol.token })
    const sse = await openSse(`/api/v1/sse/auth/connect`, { authorization: `Bearer ${carol.token}` })
    await sse.next()
    expect(await isUserOnline(env.PRESENCE_HUB, carol.user.id)).toEqual({ online: true, connections: 2 })
    const asker = await openSocket(unique('y'), { token: cast.alice.token })
    asker.send({ event: 'getOnlineStatus', data: { userIds: [carol.user.id, dave.user.id, carol.user.id] } })
    expect((await asker.next('onlineStatus')).data).toEqual({
      users: { [carol.user.id]: { online: true, connections: 2 }, [dave.user.id]: { online: false, connections: 0 } },
    })
    await sse.close()
    ws.ws.close()
    // A closed SSE stream is noticed at the hub's next write: its sweep probes every stream.
    const own = hubFor(env.CHANNEL_HUB, `user:${carol.user.id}`)
    await runInDurableObject(own, (_hub, state) => state.storage.setAlarm(Date.now()))
    await runDurableObjectAlarm(own)
    await until(async () => (await isUserOnline(env.PRESENCE_HUB, carol.user.id)).connections === 0, 'carol offline')
    asker.ws.close()
  })

  it('closes sockets silent for more than 60 s, but not ones that keep pinging', async () => {
    const ch = unique('idle')
    const quiet = await openSocket(ch, { token: cast.alice.token })
    const chatty = await openSocket(ch, { token: cast.bob.token })
    await chatty.next('presence')
    const stub = hubFor(env.CHANNEL_HUB, ch)
    // Both connected 61 s ago; only bob pinged since (answered by the auto-response).
    await runInDurableObject(stub, (_hub, state) => {
      for (const ws of state.getWebSockets())
        ws.serializeAttachment({
          ...(ws.deserializeAttachment() as object),
          connectedAt: Date.now() - 61_000,
          lastActive: Date.now() - 61_000,
        })
    })
    chatty.ws.send('{"event":"ping"}')
    await chatty.next('pong')
    await runInDurableObject(stub, (_hub, state) => state.storage.setAlarm(Date.now()))
    await runDurableObjectAlarm(stub)
    expect(await quiet.closed).toBe(4000)
    expect((await chatty.next('presence')).data).toEqual({ type: 'leave', userId: cast.alice.user.id })
    expect(chatty.ws.readyState).toBe(WebSocket.OPEN)
    chatty.ws.close()
  })

  it("closes a deleted user's sockets and streams on every channel", async () => {
    const frank = await seedUser()
    const [a, b] = [
      await openSocket(unique('del-a'), { token: frank.token }),
      await openSocket(unique('del-b'), { token: frank.token }),
    ]
    const own = await openSocket(`user:${frank.user.id}`, { token: frank.token })
    const stream = await openSse('/api/v1/sse/auth/connect', { authorization: `Bearer ${frank.token}` })
    await stream.next()
    await Promise.all([a.next('presence'), b.next('presence'), own.next('presence')])
    const res = await api(`/api/v1/users/${frank.user.id}`, { method: 'DELETE', token: cast.admin.token })
    expect(res.status).toBe(204)
    expect((await own.next('message')).data).toMatchObject({ event: 'account.deleted' })
    expect(await Promise.all([a.closed, b.closed, own.closed])).toEqual([4001, 4001, 4001])
    expect((await stream.next()).event).toBe('account.deleted')
    expect(await stream.next()).toMatchObject({ event: 'close', data: { code: 4001 } })
    expect(await stream.next().catch((err: Error) => err.message)).toBe('stream ended')
    await until(async () => !(await isUserOnline(env.PRESENCE_HUB, frank.user.id)).online, 'frank offline')
    expect((await openSocket(unique('del-c'), { token: frank.token })).res.status).toBe(401)
  })

  it('keeps identity and state in storage: a fresh instance (as after hibernation) sees the same sockets', async () => {
    const ch = unique('hibernate')
    const a = await openSocket(ch, { token: cast.alice.token })
    const anon = await openSocket(ch)
    a.send({ event: 'typing' })
    await anon.next('typing')
    await hubFor(env.CHANNEL_HUB, ch).publish('kept', { n: 1 })
    await runInDurableObject(hubFor(env.CHANNEL_HUB, ch), async (_old, state) => {
      const woken = new ChannelHub(state, env)
      expect(await woken.stats()).toEqual({ channel: ch, websockets: 2, sse: 0, users: 1, lastEventId: 1 })
      const clients = await woken.clients()
      expect(clients.map((c) => c.userId).sort()).toEqual([cast.alice.user.id, null].sort())
      expect((await woken.replay(0)).messages.map((m) => m.event)).toEqual(['kept'])
      expect(state.storage.sql.exec(`SELECT user_id FROM typing`).toArray()).toEqual([{ user_id: cast.alice.user.id }])
      expect((state.getWebSockets()[0]!.deserializeAttachment() as { clientId: string }).clientId).toEqual(
        expect.any(String),
      )
    })
    a.ws.close()
    anon.ws.close()
  })
})
