import type { Context } from 'hono'
import { createRouter } from '../../lib/create-router'
import { ok } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import type { AuthEnv } from '../../lib/types'
import { getUser } from '../users/users.service'
import { authorizeChannel } from './channel-access'
import { broadcast, connectedClients, connectionStats, publish, type EventData } from './hub.service'
import * as r from './realtime.routes'
import { openEventStream, openSocket, optionalCaller, socketToken } from './realtime.service'

const hubs = (c: Context<AuthEnv>) => c.get('config').bindings
const me = (c: Context<AuthEnv>) => c.get('user').id

async function send(c: Context<AuthEnv>, channel: string, body: { event: string; data?: unknown }) {
  const { id, delivered } = await publish(
    hubs(c).CHANNEL_HUB,
    channel,
    body.event,
    (body.data ?? null) as EventData,
    c.get('user').id,
  )
  return { channel, id, delivered }
}

export const realtimeRouter = createRouter()
  .openapi(r.connect, async (c) => {
    const { channels, lastEventId } = c.req.valid('query')
    for (const channel of channels) await authorizeChannel(c.get('db'), undefined, channel)
    return openEventStream(c, channels, lastEventId)
  })
  .openapi(r.authConnect, async (c) => {
    const { channels = [], lastEventId } = c.req.valid('query')
    const all = [...new Set([`user:${me(c)}`, ...channels])]
    for (const channel of all) await authorizeChannel(c.get('db'), c.get('user'), channel)
    return openEventStream(c, all, lastEventId)
  })
  .openapi(r.userSend, async (c) => ok(c, await send(c, `user:${me(c)}`, c.req.valid('json'))))
  .openapi(r.adminSendChannel, async (c) => ok(c, await send(c, c.req.valid('param').channel, c.req.valid('json'))))
  .openapi(r.adminSendUser, async (c) => {
    const { userId } = c.req.valid('param')
    await getUser(c.get('db'), userId)
    return ok(c, await send(c, `user:${userId}`, c.req.valid('json')))
  })
  .openapi(r.adminBroadcast, async (c) => {
    const { event, data } = c.req.valid('json')
    return ok(c, await broadcast(hubs(c), event, (data ?? null) as EventData))
  })
  .openapi(r.adminStats, async (c) => ok(c, await connectionStats(hubs(c))))
  .openapi(r.adminClients, async (c) => ok(c, await connectedClients(hubs(c))))
  .openapi(r.socket, async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
      throw new ApiError('UPGRADE_REQUIRED', 'Expected a WebSocket handshake (Upgrade: websocket)')
    const { token, protocol } = socketToken(c)
    const grant = await authorizeChannel(c.get('db'), await optionalCaller(c, token), c.req.valid('param').channel)
    return openSocket(c, grant, c.req.valid('query').since, protocol)
  })
