import type { Context } from 'hono'
import { ok } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import type { AuthEnv, Handler } from '../../lib/types'
import { getUser } from '../users/users.service'
import { authorizeChannel } from './channel-access'
import { broadcast, connectedClients, connectionStats, publish, type EventData } from './hub.service'
import type * as r from './realtime.routes'
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

export const connect: Handler<typeof r.connect> = async (c) => {
  const { channels, lastEventId } = c.req.valid('query')
  for (const channel of channels) await authorizeChannel(c.get('db'), undefined, channel)
  return openEventStream(c, channels, lastEventId)
}

export const authConnect: Handler<typeof r.authConnect> = async (c) => {
  const { channels = [], lastEventId } = c.req.valid('query')
  const all = [...new Set([`user:${me(c)}`, ...channels])]
  for (const channel of all) await authorizeChannel(c.get('db'), c.get('user'), channel)
  return openEventStream(c, all, lastEventId)
}

export const userSend: Handler<typeof r.userSend> = async (c) =>
  ok(c, await send(c, `user:${me(c)}`, c.req.valid('json')))

export const adminSendChannel: Handler<typeof r.adminSendChannel> = async (c) =>
  ok(c, await send(c, c.req.valid('param').channel, c.req.valid('json')))

export const adminSendUser: Handler<typeof r.adminSendUser> = async (c) => {
  const { userId } = c.req.valid('param')
  await getUser(c.get('db'), userId)
  return ok(c, await send(c, `user:${userId}`, c.req.valid('json')))
}

export const adminBroadcast: Handler<typeof r.adminBroadcast> = async (c) => {
  const { event, data } = c.req.valid('json')
  return ok(c, await broadcast(hubs(c), event, (data ?? null) as EventData))
}

export const adminStats: Handler<typeof r.adminStats> = async (c) => ok(c, await connectionStats(hubs(c)))

export const adminClients: Handler<typeof r.adminClients> = async (c) => ok(c, await connectedClients(hubs(c)))

export const socket: Handler<typeof r.socket> = async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
    throw new ApiError('UPGRADE_REQUIRED', 'Expected a WebSocket handshake (Upgrade: websocket)')
  const { token, protocol } = socketToken(c)
  const grant = await authorizeChannel(c.get('db'), await optionalCaller(c, token), c.req.valid('param').channel)
  return openSocket(c, grant, c.req.valid('query').since, protocol)
}
