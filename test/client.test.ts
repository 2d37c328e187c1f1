import { SELF } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  type ChannelMessage,
  type ConnectionState,
  createClient,
  dataOf,
  OutpostError,
  type Routers,
} from '../src/client'
import { appRoutes } from '../src/client/app-routes'
import { loadConfig } from '../src/env'
import { hubFor } from '../src/features/realtime/hub.service'
import { signAccessToken } from '../src/lib/tokens'
import { BASE, seedUser } from './helpers'
import { uniqueChannel, within } from './realtime-clients'

const config = loadConfig(env)

/** Sockets of the client go to the Worker under test; the last one is kept so a test can drop it. */
function socketsToSelf() {
  const opened: WebSocket[] = []
  const urls: string[] = []
  const webSocket = async (url: string, protocols: string[]) => {
    urls.push(url)
    const headers: Record<string, string> = { upgrade: 'websocket' }
    if (protocols.length) headers['sec-websocket-protocol'] = protocols.join(', ')
    const res = await SELF.fetch(url.replace(/^ws/, 'http'), { headers })
    if (!res.webSocket) throw new Error(`no socket: ${res.status}`)
    res.webSocket.accept()
    opened.push(res.webSocket)
    return res.webSocket
  }
  return { opened, urls, webSocket }
}

const client = (sockets = socketsToSelf()) =>
  createClient({ baseUrl: BASE, fetch: (input, init) => SELF.fetch(input, init), webSocket: sockets.webSocket })

/** Resolves when `check` passes, polling every 20 ms (for events a socket or stream delivers). */
async function eventually(what: string, check: () => boolean) {
  await within(
    5_000,
    what,
    (async () => {
      while (!check()) await new Promise((r) => setTimeout(r, 20))
    })(),
  )
}

describe('the typed client (src/client.ts)', () => {
  it('signs in, reads and updates through typed routes, refreshes an expired token by itself, and signs out', async () => {
    const { user, password } = await seedUser({ name: 'Client User' })
    const outpost = client()
    expect((await outpost.signIn(user.email, password)).id).toBe(user.id)

    const me = await dataOf(await outpost.routes<Routers.Auth>().auth.me.$get())
    expect(me).toMatchObject({ id: user.id, name: 'Client User' })
    await dataOf(await outpost.routes<Routers.Auth>().auth.profile.$put({ json: { name: 'Renamed' } }))
    expect((await dataOf(await outpost.routes<Routers.Auth>().auth.me.$get())).name).toBe('Renamed')

    // The access token expires: the next call answers 401 TOKEN_EXPIRED, the client rotates and retries.
    const signedIn = outpost.tokens()!
    const sid = JSON.parse(atob(signedIn.accessToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).sid
    const expired = await signAccessToken({ ...config, ACCESS_TOKEN_TTL_SECONDS: -5 }, { sub: user.id, sid })
    const direct = await SELF.fetch(`${BASE}/api/v1/auth/me`, { headers: { authorization: `Bearer ${expired}` } })
    expect(((await direct.json()) as { error: { code: string } }).error.code).toBe('TOKEN_EXPIRED')
    const stale = createClient({
      baseUrl: BASE,
      fetch: (input, init) => SELF.fetch(input, init),
      tokens: { accessToken: expired, refreshToken: signedIn.refreshToken },
    })
    expect((await dataOf(await stale.routes<Routers.Auth>().auth.me.$get())).name).toBe('Renamed')
    expect(stale.tokens()!.refreshToken).not.toBe(signedIn.refreshToken)

    await stale.signOut()
    expect(stale.tokens()).toBeUndefined()
    const after = await outpost.routes<Routers.Auth>().auth.me.$get()
    expect(after.status).toBe(401)
    await expect(dataOf(after)).rejects.toBeInstanceOf(OutpostError)
  })

  it('refuses a wrong password with the API error code', async () => {
    const { user } = await seedUser()
    await expect(client().signIn(user.email, 'not the password')).rejects.toMatchObject({
      status: 401,
      code: 'INVALID_CREDENTIALS',
    })
  })

  it("reconnects a channel's socket after a drop and resumes with ?since=, each event once", async () => {
    const { user, password } = await seedUser()
    const sockets = socketsToSelf()
    const outpost = client(sockets)
    await outpost.signIn(user.email, password)
    const channel = `user:${user.id}`
    const received: ChannelMessage[] = []
    const states: ConnectionState[] = []
    const socket = outpost.channelSocket(channel, {
      onMessage: (m) => received.push(m),
      onState: (s) => states.push(s),
    })
    await eventually('the socket to open', () => socket.state === 'open')

    await dataOf(await appRoutes(outpost).sse.user.send.$post({ json: { event: 'one', data: { n: 1 } } }))
    await eventually('event one', () => received.length === 1)

    sockets.opened[0]!.close(1000, 'dropped by the test')
    await publishMany(channel, ['two', 'three'])
    await eventually('the socket to come back', () => sockets.opened.length === 2 && socket.state === 'open')
    await publishMany(channel, ['four'])
    await eventually('event four', () => received.length === 4)

    expect(received.map((m) => m.event)).toEqual(['one', 'two', 'three', 'four'])
    expect(new URL(sockets.urls[1]!).searchParams.get('since')).toBe(String(received[0]!.id))
    expect(states).toContain('reconnecting')
    socket.close()
    await eventually('the socket to close', () => socket.state === 'closed')
  })

  it('resumes an SSE stream from its Last-Event-ID with nothing lost or repeated', async () => {
    const channel = uniqueChannel('client-sse')
    const outpost = client()
    const first: ChannelMessage[] = []
    const stream = outpost.channelStream([channel], { onMessage: (m) => first.push(m) })
    await eventually('the stream to open', () => stream.state === 'open')
    await publishMany(channel, ['a', 'b'])
    await eventually('two events', () => first.length === 2)
    const resumeFrom = stream.lastEventId
    stream.close()

    await publishMany(channel, ['c', 'd'])
    const second: ChannelMessage[] = []
    const resumed = outpost.channelStream([channel], { lastEventId: resumeFrom, onMessage: (m) => second.push(m) })
    await eventually('the missed events', () => second.length === 2)
    await publishMany(channel, ['e'])
    await eventually('a live event', () => second.length === 3)
    resumed.close()
    expect([...first, ...second].map((m) => m.event)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })
})

async function publishMany(channel: string, events: string[]) {
  for (const event of events) await hubFor(env.CHANNEL_HUB, channel).publish(event, { event })
}
