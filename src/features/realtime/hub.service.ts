import type { Json } from '../../db/schema'
import type { Config } from '../../env'
import { CLOSE } from './protocol'

type Bindings = Pick<Config['bindings'], 'CHANNEL_HUB' | 'HUB_DIRECTORY'>
type Hubs = Config['bindings']['CHANNEL_HUB']
type Presences = Config['bindings']['PRESENCE_HUB']

/** JSON a channel event may carry. */
export type EventData = Json

/** The ChannelHub object that owns `channel` (it learns its name from the id: see ChannelHub). */
export function hubFor(hubs: Hubs, channel: string) {
  return hubs.get(hubs.idFromName(channel))
}

/** The PresenceHub that knows every connection `userId` holds. */
export function presenceOf(presences: Presences, userId: string) {
  return presences.get(presences.idFromName(userId))
}

/** The one HubDirectory instance. */
export function hubDirectory(directory: Config['bindings']['HUB_DIRECTORY']) {
  return directory.get(directory.idFromName('global'))
}

/**
 * Publishes `event` on `channel`: stored in the channel's replay buffer, then fanned out to every
 * WebSocket and SSE subscriber. Resolves with the event's id (monotonic per channel).
 */
export async function publish(hubs: Hubs, channel: string, event: string, data: EventData, from: string | null = null) {
  return hubFor(hubs, channel).publish(event, data, { from })
}

/** Publishes `events` to `channel` in this order, in one call and one commit. */
export async function publishAll(hubs: Hubs, channel: string, events: { event: string; payload: EventData }[]) {
  return hubFor(hubs, channel).publishAll(events)
}

/** Whether `userId` holds any connection, on any channel, and how many. */
export async function isUserOnline(presences: Presences, userId: string) {
  return presenceOf(presences, userId).presence()
}

/** `{ <userId>: { online, connections } }` for each of `userIds`, asked in parallel. */
export async function onlineStatus(presences: Presences, userIds: string[]) {
  const ask = async (id: string) => [id, await isUserOnline(presences, id)] as const
  return Object.fromEntries(await Promise.all([...new Set(userIds)].map(ask)))
}

/** Closes every WebSocket and SSE stream `userId` holds, on every channel (code 4001, `session ended: <why>`). */
export async function disconnectUser(presences: Presences, userId: string, why: string) {
  return presenceOf(presences, userId).closeConnections({ userId }, CLOSE.sessionEnded(why))
}

/** Calls every active hub in parallel; a hub that fails is skipped, never blocks the others. */
async function eachActiveHub<T>(b: Bindings, call: (hub: ReturnType<typeof hubFor>, channel: string) => Promise<T>) {
  const channels = await hubDirectory(b.HUB_DIRECTORY).activeChannels()
  const settled = await Promise.allSettled(channels.map((ch) => call(hubFor(b.CHANNEL_HUB, ch), ch)))
  return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
}

/**
 * Publishes on every channel that has subscribers. Each copy carries one `broadcastId`, so an SSE
 * stream that merges several channels delivers it once; a WebSocket sits on one channel anyway.
 */
export async function broadcast(b: Bindings, event: string, data: EventData) {
  const broadcastId = crypto.randomUUID()
  const results = await eachActiveHub(b, (hub) => hub.publish(event, data, { broadcastId }))
  return { broadcastId, channels: results.length, delivered: results.reduce((n, r) => n + r.delivered, 0) }
}

/** Connections per active channel, and totals (an SSE stream on several channels counts once). */
export async function connectionStats(b: Bindings) {
  const channels = await eachActiveHub(b, (hub) => hub.stats())
  const clients = await connectedClients(b)
  return {
    totals: {
      channels: channels.length,
      connections: clients.length,
      websockets: clients.filter((c) => c.transport === 'websocket').length,
      sse: clients.filter((c) => c.transport === 'sse').length,
      users: new Set(clients.flatMap((c) => (c.userId ? [c.userId] : []))).size,
    },
    channels: channels.map(({ channel, websockets, sse, users, lastEventId }) => ({
      channel,
      websockets,
      sse,
      users,
      lastEventId,
    })),
  }
}

/** Every connected client with the channels it listens on. */
export async function connectedClients(b: Bindings) {
  const perHub = await eachActiveHub(b, async (hub, ch) => (await hub.clients()).map((c) => ({ ...c, channel: ch })))
  const byId = new Map<
    string,
    { id: string; userId: string | null; transport: 'websocket' | 'sse'; channels: string[]; connectedAt: string }
  >()
  for (const c of perHub.flat()) {
    const seen = byId.get(c.clientId)
    if (seen) seen.channels.push(c.channel)
    else
      byId.set(c.clientId, {
        id: c.clientId,
        userId: c.userId,
        transport: c.transport,
        channels: [c.channel],
        connectedAt: c.connectedAt,
      })
  }
  return [...byId.values()].sort((a, b) => a.connectedAt.localeCompare(b.connectedAt))
}
