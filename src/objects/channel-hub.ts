import { DurableObject } from 'cloudflare:workers'
import { hubFor, type EventData } from '../features/realtime/hub.service'
import {
  parseClientFrame,
  parseSince,
  type ChannelMessage,
  type ClientFrame,
  type HubStreamLine,
  type Subscriber,
} from '../features/realtime/protocol'
import { errorFields, log } from '../lib/logger'
import { Members, ONLINE_RECHECK_MS, OnlineRegistry, TypingState } from './hub/hub-state'
import { ReplayLog } from './hub/replay-log'

/** Sockets silent (no frame, no auto-answered ping) for longer than this are closed. */
export const IDLE_MS = 60_000
/** How often the alarm sweeps idle sockets and probes SSE streams while anyone is connected. */
const SWEEP_MS = 25_000
/** An SSE subscriber this many chunks behind is cut off (it resumes with Last-Event-ID). */
const SSE_MAX_BACKLOG = 1_000

type Attachment = Subscriber & { connectedAt: number; lastActive: number }
type SseClient = Subscriber & { connectedAt: number; writer: WritableStreamDefaultWriter<Uint8Array> }
type PublishOptions = { from?: string | null; broadcastId?: string }
type Publish = { event: string; payload: EventData; opts: PublishOptions }
type Published = { id: number; delivered: number }

const encoder = new TextEncoder()
const frame = (event: string, data: unknown) => JSON.stringify({ event, data })
const line = (l: HubStreamLine | { type: 'ping' }) => encoder.encode(`${JSON.stringify(l)}\n`)

/**
 * One object per channel. Holds hibernatable WebSockets (identity in attachments, ping answered
 * without waking) and SSE streams; publishing appends to the replay log and fans out to all.
 * State that must outlive hibernation (events, typing, a user's connections elsewhere) is in SQLite.
 */
export class ChannelHub extends DurableObject<Env> {
  private readonly sql: SqlStorage
  private readonly log: ReplayLog
  private readonly typing: TypingState
  private readonly online: OnlineRegistry
  private readonly members: Members
  private readonly sse = new Map<string, SseClient>()
  private queued: (Publish & { resolve: (r: Published) => void; reject: (err: unknown) => void })[] = []
  private flushing = false
  private channel: string

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    this.sql.exec(`CREATE TABLE IF NOT EXISTS hub_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`)
    this.log = new ReplayLog(this.sql)
    this.typing = new TypingState(this.sql)
    this.online = new OnlineRegistry(this.sql)
    this.members = new Members(this.sql)
    this.members.forgetDead(ctx.getWebSockets().length > 0)
    this.channel = this.meta('channel') ?? ''
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"event":"ping"}', '{"event":"pong"}'))
  }

  /** Internal upgrade/stream entry; the Worker has already authenticated and authorized the caller. */
  override async fetch(request: Request) {
    const q = new URL(request.url).searchParams
    this.bind(q.get('channel') ?? '')
    const sub: Subscriber = {
      clientId: q.get('clientId') ?? crypto.randomUUID(),
      userId: q.get('userId') || null,
      canPublish: q.get('publish') === '1',
    }
    const since = parseSince(q.get('since'))
    if (new URL(request.url).pathname === '/sse') return this.openStream(sub, since)
    return this.acceptSocket(sub, since, q.get('protocol'))
  }

  /**
   * Stores and fans out one event. Publishes that arrive while the previous ones are being
   * committed are written together (group commit): one storage transaction for a burst, not one per
   * event. Each caller is answered once its event is durable, and ids follow delivery order.
   */
  async publish(channel: string, event: string, payload: EventData, opts: PublishOptions = {}) {
    this.bind(channel)
    return new Promise<Published>((resolve, reject) => {
      this.queued.push({ event, payload, opts, resolve, reject })
      if (!this.flushing) void this.flush()
    })
  }

  private async flush() {
    this.flushing = true
    while (this.queued.length) {
      const batch = this.queued.splice(0)
      const results = batch.map((p) => {
        try {
          const message = this.log.append(this.channel, p.event, p.payload, p.opts)
          return { id: message.id, delivered: this.fanOut(message) }
        } catch (err) {
          return { err }
        }
      })
      const synced = await this.ctx.storage.sync().then(
        () => null,
        (err: unknown) => ({ err }),
      )
      batch.forEach((p, i) => {
        const r = synced ?? results[i]!
        if ('err' in r) p.reject(r.err)
        else p.resolve(r)
      })
    }
    this.flushing = false
  }

  /** Events after `since` (or a reset when they are no longer kept), as a reconnecting client gets them. */
  async replay(channel: string, since: number) {
    this.bind(channel)
    return this.log.after(channel, since)
  }

  async stats(channel: string) {
    this.bind(channel)
    const clients = this.members.list()
    const users = new Set(clients.flatMap((c) => (c.userId ? [c.userId] : [])))
    return {
      channel,
      websockets: clients.filter((c) => c.transport === 'websocket').length,
      sse: this.sse.size,
      users: users.size,
      lastEventId: this.log.lastId,
    }
  }

  async clients(channel: string) {
    this.bind(channel)
    return this.members.list().map((m) => ({ ...m, connectedAt: new Date(m.connectedAt).toISOString() }))
  }

  /** Ends the SSE stream of `clientId` (its client went away). */
  async disconnect(channel: string, clientId: string) {
    this.bind(channel)
    const client = this.sse.get(clientId)
    if (client) this.dropSse(client)
  }

  /** Of `clientIds`, those still connected here. A user hub asks this to drop connections that vanished. */
  async liveClients(clientIds: string[]) {
    return this.members.live(clientIds)
  }

  /** On a `user:<id>` hub: records that its user holds `clientId` on `onChannel`. */
  async track(channel: string, clientId: string, onChannel: string) {
    this.bind(channel)
    this.online.track(clientId, onChannel)
  }

  async untrack(channel: string, clientIds: string[]) {
    this.bind(channel)
    this.online.untrack(clientIds)
  }

  /** On a `user:<id>` hub: how many connections its user holds across all channels. */
  async presence(channel: string) {
    this.bind(channel)
    for (const [onChannel, ids] of this.online.byChannel(Date.now() - ONLINE_RECHECK_MS)) {
      const live =
        onChannel === channel
          ? await this.liveClients(ids)
          : await hubFor(this.env.CHANNEL_HUB, onChannel)
              .liveClients(ids)
              .catch(() => ids)
      this.online.untrack(ids.filter((id) => !live.includes(id)))
      this.online.confirm(live)
    }
    const connections = this.online.count()
    return { online: connections > 0, connections }
  }

  /** On a `user:<id>` hub: closes every connection its user holds, on every channel (account deleted). */
  async disconnectUser(channel: string, reason: string) {
    this.bind(channel)
    const groups = [...this.online.byChannel()]
    await Promise.allSettled(
      groups.map(([onChannel, ids]) =>
        onChannel === channel
          ? this.kick(channel, ids, reason)
          : hubFor(this.env.CHANNEL_HUB, onChannel).kick(onChannel, ids, reason),
      ),
    )
    return groups.reduce((n, [, ids]) => n + ids.length, 0)
  }

  /** Closes these clients' sockets (code 4001) and streams. */
  async kick(channel: string, clientIds: string[], reason: string) {
    this.bind(channel)
    for (const id of clientIds) {
      for (const ws of this.ctx.getWebSockets(`client:${id}`)) {
        try {
          ws.close(4001, reason.slice(0, 120))
        } catch {
          // Already closing.
        }
        await this.leave(ws.deserializeAttachment() as Attachment)
      }
      const stream = this.sse.get(id)
      if (stream) this.dropSse(stream)
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    const att = ws.deserializeAttachment() as Attachment
    ws.serializeAttachment({ ...att, lastActive: Date.now() } satisfies Attachment)
    const parsed = parseClientFrame(message)
    if ('error' in parsed) return reply(ws, 'error', parsed.error)
    await this.handle(ws, att, parsed.frame)
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code)
    } catch {
      // Already closed by the runtime.
    }
    await this.leave(ws.deserializeAttachment() as Attachment)
  }

  override async webSocketError(ws: WebSocket) {
    await this.leave(ws.deserializeAttachment() as Attachment)
  }

  /** Closes idle sockets, probes SSE streams, expires typing; re-arms while anyone is connected. */
  override async alarm() {
    const now = Date.now()
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as Attachment
      const pinged = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0
      if (now - Math.max(att.lastActive, pinged) <= IDLE_MS) continue
      try {
        ws.close(4000, 'idle for more than 60 s')
      } catch {
        // Already gone.
      }
      await this.leave(att)
    }
    for (const c of this.sse.values()) this.writeSse(c, line({ type: 'ping' }))
    for (const userId of this.typing.expire(now))
      this.sendAll(frame('typing', { userId, isTyping: false, expired: true }), userId)
    this.log.prune(now)
    await this.schedule()
  }

  private async handle(ws: WebSocket, att: Attachment, msg: ClientFrame) {
    const { userId } = att
    if (msg.event === 'ping') return reply(ws, 'pong', { at: new Date().toISOString() })
    if (!userId)
      return reply(ws, 'error', { code: 'UNAUTHORIZED', message: `"${msg.event}" needs a signed-in connection` })
    switch (msg.event) {
      case 'typing':
        this.typing.start(userId)
        this.sendAll(frame('typing', { ...(msg.data ?? {}), userId, isTyping: true }), userId)
        return this.schedule()
      case 'stopTyping':
        if (this.typing.stop(userId))
          this.sendAll(frame('typing', { ...(msg.data ?? {}), userId, isTyping: false }), userId)
        return
      case 'getOnlineStatus': {
        const ids = [...new Set(msg.data.userIds)]
        const states = await Promise.all(
          ids.map(async (id) => [id, await hubFor(this.env.CHANNEL_HUB, `user:${id}`).presence(`user:${id}`)] as const),
        )
        return reply(ws, 'onlineStatus', { users: Object.fromEntries(states) })
      }
      case 'publish':
        if (!att.canPublish)
          return reply(ws, 'error', { code: 'FORBIDDEN', message: `Clients may not publish on ${this.channel}` })
        this.fanOut(
          this.log.append(this.channel, msg.data.event, (msg.data.data ?? null) as EventData, { from: userId }),
        )
    }
  }

  private async acceptSocket(sub: Subscriber, since: number | undefined, protocol: string | null) {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
    const first = this.isFirst(sub)
    const now = Date.now()
    this.members.add({ clientId: sub.clientId, userId: sub.userId, transport: 'websocket', connectedAt: now })
    this.ctx.acceptWebSocket(server, [`client:${sub.clientId}`, ...(sub.userId ? [`user:${sub.userId}`] : [])])
    server.serializeAttachment({ ...sub, connectedAt: now, lastActive: now } satisfies Attachment)
    server.send(frame('connected', { clientId: sub.clientId, channel: this.channel, lastEventId: this.log.lastId }))
    if (since !== undefined) {
      const { reset, messages } = this.log.after(this.channel, since)
      if (reset) server.send(frame('reset', { channel: this.channel, lastEventId: this.log.lastId }))
      for (const m of messages) server.send(frame('message', m))
    }
    server.send(frame('presence', { type: 'sync', ...this.members.presence() }))
    if (first) this.sendAll(frame('presence', { type: 'join', userId: sub.userId }), server)
    await this.joined(sub)
    return new Response(null, {
      status: 101,
      webSocket: client,
      headers: protocol ? { 'Sec-WebSocket-Protocol': protocol } : {},
    })
  }

  private async openStream(sub: Subscriber, since: number | undefined) {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>()
    const client: SseClient = { ...sub, connectedAt: Date.now(), writer: writable.getWriter() }
    const first = this.isFirst(sub)
    // Replay, then the position, then registration: all synchronous, so no event falls in between.
    if (since !== undefined) {
      const { reset, messages } = this.log.after(this.channel, since)
      if (reset) this.writeSse(client, line({ type: 'reset', channel: this.channel, seq: this.log.lastId }))
      for (const message of messages) this.writeSse(client, line({ type: 'message', message }))
    }
    this.writeSse(client, line({ type: 'hello', channel: this.channel, seq: this.log.lastId }))
    this.sse.set(sub.clientId, client)
    this.members.add({ clientId: sub.clientId, userId: sub.userId, transport: 'sse', connectedAt: client.connectedAt })
    client.writer.closed.catch(() => this.dropSse(client))
    if (first) this.sendAll(frame('presence', { type: 'join', userId: sub.userId }))
    await this.joined(sub)
    return new Response(readable, { headers: { 'content-type': 'application/x-ndjson' } })
  }

  private fanOut(message: ChannelMessage) {
    // Nobody listening (a device's channel between dashboards): nothing to serialize.
    let delivered = this.ctx.getWebSockets().length ? this.sendAll(frame('message', message)) : 0
    if (!this.sse.size) return delivered
    const chunk = line({ type: 'message', message })
    for (const c of this.sse.values()) if (this.writeSse(c, chunk)) delivered++
    return delivered
  }

  /** Sends to every open socket but `except` (one socket, or all of a user's); a failing socket is skipped. */
  private sendAll(text: string, except?: WebSocket | string) {
    let sent = 0
    const skip = typeof except === 'string' ? new Set(this.ctx.getWebSockets(`user:${except}`)) : new Set([except])
    for (const ws of this.ctx.getWebSockets()) {
      if (skip.has(ws)) continue
      try {
        ws.send(text)
        sent++
      } catch {
        // Closing socket: its close handler cleans up.
      }
    }
    return sent
  }

  /** Queues a chunk without waiting; a subscriber too far behind is dropped so it never slows the rest. */
  private writeSse(c: SseClient, chunk: Uint8Array) {
    if ((c.writer.desiredSize ?? 0) < -SSE_MAX_BACKLOG) {
      this.dropSse(c, 'abort')
      return false
    }
    c.writer.write(chunk).catch(() => this.dropSse(c))
    return true
  }

  /** Ends a stream: after what is queued (`close`), or at once for a subscriber too far behind (`abort`). */
  private dropSse(c: SseClient, how: 'close' | 'abort' = 'close') {
    if (this.sse.get(c.clientId) !== c) return
    this.sse.delete(c.clientId)
    ;(how === 'abort' ? c.writer.abort(new Error('subscriber too far behind')) : c.writer.close()).catch(
      () => undefined,
    )
    this.leave(c).catch((err: unknown) =>
      log('warn', 'hub leave failed', { channel: this.channel, ...errorFields(err) }),
    )
  }

  private isFirst(sub: Subscriber) {
    return sub.userId !== null && this.members.countOf(sub.userId) === 0
  }

  private async joined(sub: Subscriber) {
    if (sub.userId) await this.userHubCall(sub.userId, (hub, ch) => hub.track(ch, sub.clientId, this.channel))
    await this.reportActivity()
    await this.schedule()
  }

  /** A connection ended: presence leave when it was the user's last one here, then bookkeeping. */
  private async leave(sub: Subscriber) {
    if (!this.members.remove(sub.clientId)) return
    if (sub.userId && this.members.countOf(sub.userId) === 0) {
      if (this.typing.stop(sub.userId))
        this.sendAll(frame('typing', { userId: sub.userId, isTyping: false }), sub.userId)
      this.sendAll(frame('presence', { type: 'leave', userId: sub.userId }))
    }
    if (sub.userId) await this.userHubCall(sub.userId, (hub, ch) => hub.untrack(ch, [sub.clientId]))
    await this.reportActivity()
  }

  private async userHubCall(
    userId: string,
    call: (hub: ReturnType<typeof hubFor>, channel: string) => Promise<unknown>,
  ) {
    const channel = `user:${userId}`
    try {
      // Same object: call through `this`, an RPC to ourselves would wait on our own input gate.
      await call(
        channel === this.channel
          ? (this as unknown as ReturnType<typeof hubFor>)
          : hubFor(this.env.CHANNEL_HUB, channel),
        channel,
      )
    } catch (err) {
      log('warn', 'presence update failed', { channel: this.channel, userId, ...errorFields(err) })
    }
  }

  /** Tells the directory when this hub goes from idle to active or back. */
  private async reportActivity() {
    const active = this.members.count() > 0
    if (active === (this.meta('active') === '1')) return
    const gen = Number(this.meta('gen') ?? 0) + 1
    this.setMeta('gen', String(gen))
    this.setMeta('active', active ? '1' : '0')
    const directory = this.env.HUB_DIRECTORY.get(this.env.HUB_DIRECTORY.idFromName('global'))
    await directory
      .report(this.channel, gen, active)
      .catch((err: unknown) =>
        log('warn', 'hub directory report failed', { channel: this.channel, ...errorFields(err) }),
      )
  }

  private async schedule() {
    const connected = this.members.count() > 0
    const next = Math.min(this.typing.nextExpiry() ?? Infinity, connected ? Date.now() + SWEEP_MS : Infinity)
    if (next === Infinity) return
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > next) await this.ctx.storage.setAlarm(next)
  }

  private bind(channel: string) {
    if (!channel || channel === this.channel) return
    this.channel = channel
    this.setMeta('channel', channel)
  }

  private meta(k: string) {
    return this.sql.exec<{ v: string }>(`SELECT v FROM hub_meta WHERE k = ?`, k).toArray()[0]?.v
  }

  private setMeta(k: string, v: string) {
    this.sql.exec(`INSERT INTO hub_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, k, v)
  }
}

function reply(ws: WebSocket, event: string, data: unknown) {
  ws.send(frame(event, data))
}
