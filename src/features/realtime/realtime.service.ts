import type { Context } from 'hono'
import { authenticate, bearerToken } from '../../lib/auth'
import { verifyAccessToken } from '../../lib/tokens'
import { waitUntil } from '../../lib/request-context'
import type { AppEnv, Principal } from '../../lib/types'
import type { ChannelGrant } from './channel-access'
import { hubFor } from './hub.service'
import { mergedSseStream, parseCursor } from './sse-stream'

/**
 * The token of a WebSocket handshake: `Authorization`, `?access_token=`, or the subprotocol pair
 * `bearer, <token>` browsers can send. Returns the subprotocol to select in the reply.
 */
export function socketToken(c: Context<AppEnv>) {
  const offered = (c.req.header('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim())
  const at = offered.indexOf('bearer')
  if (at >= 0 && offered[at + 1]) return { token: offered[at + 1], protocol: 'bearer' }
  return { token: bearerToken(c, true), protocol: undefined }
}

/** The caller when a token was sent (a bad token is a 401, never silently anonymous). */
export async function optionalCaller(c: Context<AppEnv>, token: string | undefined): Promise<Principal | undefined> {
  if (!token) return undefined
  const claims = await verifyAccessToken(c.get('config'), token)
  c.set('claims', claims)
  return authenticate(c, claims)
}

/** What the hub records of a signed-in caller: its session, and when its token expires (ms). */
const sessionOf = <E extends AppEnv>(c: Context<E>) => {
  const [user, claims] = [c.get('user'), c.get('claims')]
  // Claims without a user (a public stream's rate-limit key) bind nothing: that stream is anonymous.
  return user && claims ? { sessionId: user.sessionId, expiresAt: claims.exp * 1000 } : {}
}

const hubUrl = (path: string, params: Record<string, string | number | undefined>) => {
  const url = new URL(`https://hub${path}`)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v))
  return url
}

/** Hands the upgrade to the channel's hub, which accepts it as a hibernatable socket. */
export async function openSocket(
  c: Context<AppEnv>,
  grant: ChannelGrant,
  since: string | undefined,
  protocol: string | undefined,
) {
  const user = c.get('user')
  const url = hubUrl('/ws', {
    clientId: crypto.randomUUID(),
    userId: user?.id,
    ...sessionOf(c),
    publish: grant.canPublish ? 1 : 0,
    since,
    protocol,
  })
  const res = await hubFor(c.get('config').bindings.CHANNEL_HUB, grant.channel).fetch(url, {
    headers: { upgrade: 'websocket' },
  })
  if (!res.webSocket) throw new Error(`hub refused the socket (${res.status})`)
  // A fresh Response: middleware adds headers, and the hub's are immutable.
  return new Response(null, { status: 101, webSocket: res.webSocket, headers: res.headers })
}

/** One SSE response over the hubs of `channels`, resuming from `Last-Event-ID` (or `?lastEventId=`). */
export async function openEventStream<E extends AppEnv>(
  c: Context<E>,
  channels: string[],
  lastEventId: string | undefined,
) {
  const clientId = crypto.randomUUID()
  const hubs = c.get('config').bindings.CHANNEL_HUB
  const userId = c.get('user')?.id
  const session = sessionOf(c)
  const stream = await mergedSseStream({
    clientId,
    channels,
    cursor: parseCursor(c.req.header('last-event-id') ?? lastEventId),
    open: async (channel, since) => {
      const res = await hubFor(hubs, channel).fetch(hubUrl('/sse', { clientId, userId, ...session, since }))
      if (!res.body) throw new Error(`hub ${channel} returned no stream`)
      return res.body
    },
    // A hub notices a cancelled stream only when it next writes to it; tell it as soon as we know.
    onClose: () => waitUntil(c, Promise.all(channels.map((ch) => hubFor(hubs, ch).disconnect(clientId)))),
  })
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  })
}
