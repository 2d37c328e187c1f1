import { DurableObject } from 'cloudflare:workers'
import type { EventData } from '../features/realtime/hub.service'
import {
  parseClientFrame,
  parseHubRequest,
  socketGreeting,
  streamGreeting,
  streamLine,
  wsFrame as frame,
  type ChannelMessage,
  type Close,
  type Subscriber,
} from '../features/realtime/protocol'
import { GroupCommit } from './hub/group-commit'
import { HubMeta, TypingState } from './hub/hub-state'
import { Closer } from './hub/closer'
import { ClientFrames } from './hub/client-frames'
import { Members, type ConnectionFilter } from './hub/members'
import { ReplayLog } from './hub/replay-log'
import { Roster } from './hub/roster'
import { attachment, close, HubSockets, reply } from './hub/sockets'
import { SseClients } from './hub/sse-clients'

/** How often the alarm sweeps idle sockets and probes SSE streams while anyone is connected. */
const SWEEP_MS = 25_000

type Publish = { event: string; payload: EventData; opts: { from?: string | null; broadcastId?: string } }

/**
 * One object per channel: hibernatable WebSockets and SSE streams; publishing appends to the replay
 * log and fans out to all. Members, typing and the log are in SQLite, so they outlive hibernation.
 * Whether a user is online anywhere is their PresenceHub's to know; this hub reports joins and leaves.
 */
export class ChannelHub extends DurableObject<Env> {
  private readonly meta = new HubMeta(this.ctx.storage.sql)
  private readonly log = new ReplayLog(this.ctx.storage.sql)
  private readonly members = new Members(this.ctx.storage.sql)
  private readonly sockets = new HubSockets(this.ctx)
  private readonly typing = new TypingState(this.ctx.storage.sql, this.sockets)
  private readonly roster: Roster
  private readonly closer: Closer
  private readonly sse = new SseClients((c) => this.roster.dropped(c))
  private readonly frames: ClientFrames
  /** Publishes that arrive while the previous ones commit are written together: one transaction per burst. */
  private readonly commits = new GroupCommit(
    (p: Publish) => {
      const message = this.log.append(this.channel, p.event, p.payload, p.opts)
      return { id: message.id, delivered: this.fanOut(message) }
    },
    () => this.ctx.storage.sync(),
  )
  private readonly channel: string

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    // A hub's name is its channel, stored at first use so the alarm and woken sockets (events no caller
    // starts) know it too. It comes from the runtime: callers reach hubs only through idFromName(channel),
    // whose name the object sees on ctx.id.name, so no RPC carries it and publishing needs no `init` hop.
    // SQLite reads are synchronous: restored here, it is known before any call, on any new instance.
    const channel = this.meta.channel(ctx.id.name)
    if (!channel) throw new Error('a ChannelHub is reached through idFromName(channel)')
    this.channel = channel
    const { meta, members, typing, sockets } = this
    this.roster = new Roster({ env, meta, members, typing, sockets, channel })
    this.closer = new Closer({ channel, members, sockets, sse: this.sse, roster: this.roster })
    this.frames = new ClientFrames({
      ...{ env, channel, log: this.log, members, sockets, typing },
      waitUntil: (p) => ctx.waitUntil(p),
      fanOut: (message) => this.fanOut(message),
      schedule: () => this.schedule(),
      closeConnections: (filter, why) => this.closeConnections(filter, why),
    })
    this.members.forgetDead(this.sockets.any)
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"event":"ping"}', '{"event":"pong"}'))
  }

  /** Internal upgrade/stream entry; the Worker has already authenticated and authorized the caller. */
  override async fetch(request: Request) {
    const { sse, sub, since, protocol } = parseHubRequest(request)
    return sse ? this.openStream(sub, since) : this.acceptSocket(sub, since, protocol)
  }

  /** Stores and fans out one event, answered once it is durable; ids follow delivery order. */
  async publish(event: string, payload: EventData, opts: Publish['opts'] = {}) {
    return this.commits.submit({ event, payload, opts })
  }

  /** Several events in this order, durable in one commit (a reading and the alert changes it caused). */
  async publishAll(events: { event: string; payload: EventData }[]) {
    return this.commits.submitAll(events.map((e) => ({ ...e, opts: {} })))
  }

  /** Events after `since` (or a reset when they are no longer kept), as a reconnecting client gets them. */
  async replay(since: number) {
    return this.log.after(this.channel, since)
  }

  async stats() {
    const { websockets, users } = this.members.counts()
    return { channel: this.channel, websockets, sse: this.sse.size, users, lastEventId: this.log.lastId }
  }

  async clients() {
    return this.members.list().map((m) => ({ ...m, connectedAt: new Date(m.connectedAt).toISOString() }))
  }

  /** Ends the SSE stream of `clientId` (its client went away). */
  async disconnect(clientId: string) {
    this.sse.end(clientId)
  }

  /** Of `clientIds`, those still connected here (a PresenceHub drops the others). */
  async liveClients(clientIds: string[]) {
    return this.members.live(clientIds)
  }

  /** Closes the sockets and streams `filter` names, telling each client why; nothing published after reaches them. */
  async closeConnections(filter: ConnectionFilter, why: Close) {
    await this.closer.end(this.members.matching(filter), why)
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    const att = this.sockets.touch(ws)
    const parsed = parseClientFrame(message)
    if ('error' in parsed) return reply(ws, 'error', parsed.error)
    await this.frames.handle(ws, att, parsed.frame)
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    close(ws, code === 1005 || code === 1006 ? 1000 : code)
    this.frames.forget(attachment(ws).clientId)
    await this.roster.leave(attachment(ws))
  }

  override async webSocketError(ws: WebSocket) {
    await this.roster.leave(attachment(ws))
  }

  /** Closes idle sockets and expired tokens, probes SSE streams, expires typing; re-arms while anyone is connected. */
  override async alarm() {
    const now = Date.now()
    await this.closer.idle(now)
    await this.closer.expire(now)
    this.sse.writeAll(streamLine({ type: 'ping' }))
    this.typing.expire(now)
    this.log.prune(now)
    await this.schedule()
  }

  private async acceptSocket(sub: Subscriber, since: number | undefined, protocol: string | null) {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
    const now = Date.now()
    const first = this.roster.add(sub, 'websocket', now)
    this.sockets.accept(server, sub, now)
    const catchUp = since === undefined ? undefined : this.log.after(this.channel, since)
    const presence = this.members.presence()
    for (const f of socketGreeting(this.channel, sub.clientId, this.log.lastId, presence, catchUp)) server.send(f)
    await this.roster.joined(sub, first, server)
    await this.schedule()
    const headers: HeadersInit = protocol ? { 'Sec-WebSocket-Protocol': protocol } : {}
    return new Response(null, { status: 101, webSocket: client, headers })
  }

  private async openStream(sub: Subscriber, since: number | undefined) {
    const { readable, client } = this.sse.open(sub)
    const first = this.roster.add(sub, 'sse', client.connectedAt)
    // Replay, then the position, then registration: all synchronous, so no event falls in between.
    const catchUp = since === undefined ? undefined : this.log.after(this.channel, since)
    for (const l of streamGreeting(this.channel, this.log.lastId, catchUp)) this.sse.write(client, streamLine(l))
    this.sse.add(client)
    await this.roster.joined(sub, first)
    await this.schedule()
    return new Response(readable, { headers: { 'content-type': 'application/x-ndjson' } })
  }

  private fanOut(message: ChannelMessage) {
    // A token that expired since the last alarm ends before this event goes out, not after.
    void this.closer.expire(Date.now())
    // Nobody listening (a device's channel between dashboards): nothing to serialize.
    const delivered = this.sockets.any ? this.sockets.broadcast(frame('message', message)) : 0
    return this.sse.size ? delivered + this.sse.writeAll(streamLine({ type: 'message', message })) : delivered
  }

  private async schedule() {
    const connected = this.members.count() > 0
    const next = Math.min(
      this.typing.nextExpiry() ?? Infinity,
      this.members.nextExpiry() ?? Infinity,
      connected ? Date.now() + SWEEP_MS : Infinity,
    )
    if (next === Infinity) return
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > next) await this.ctx.storage.setAlarm(next)
  }
}
