import {
  ACCESS_REVOKED,
  backoff,
  type ChannelMessage,
  type ClientContext,
  type ConnectionState,
  SESSION_ENDED,
  TOKEN_EXPIRED,
} from './shared'

/** A server frame: `connected`, `message`, `presence`, `typing`, `onlineStatus`, `reset`, `error`, `pong`, … */
export type SocketFrame = { event: string; data: unknown }

export type SocketOptions = {
  /** Resume after this event id (a `ChannelMessage.id` of this channel). */
  since?: number
  /** Each channel event once, in order, across reconnects. */
  onMessage?: (message: ChannelMessage) => void
  /** Every frame, `message` included. */
  onFrame?: (frame: SocketFrame) => void
  /** Connection state changes; `closed` carries the close code when the server ended it for good. */
  onState?: (state: ConnectionState, close?: { code: number; reason: string }) => void
  /** How often to ping (ms); the server closes a socket silent for 60 s. */
  pingMs?: number
}

export type ChannelSocket = ReturnType<typeof openChannelSocket>

/**
 * A WebSocket on one channel that stays connected: after a drop it reconnects with `?since=<last id>`, and after
 * 4002 (token expired) it refreshes the token first. It stops for good after 4001 (session ended), 4003 (access
 * revoked) or `close()`.
 */
export function openChannelSocket(ctx: ClientContext, channel: string, opts: SocketOptions) {
  let lastId = opts.since
  let socket: WebSocket | undefined
  let stopped = false
  let attempt = 0
  let state: ConnectionState = 'connecting'
  const setState = (next: ConnectionState, close?: { code: number; reason: string }) => {
    state = next
    opts.onState?.(next, close)
  }

  const url = () => {
    const u = new URL(`${ctx.baseUrl}/api/v1/realtime/channels/${encodeURIComponent(channel)}/ws`)
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:'
    if (lastId !== undefined) u.searchParams.set('since', String(lastId))
    return u.toString()
  }

  const receive = (raw: string) => {
    const frame = JSON.parse(raw) as SocketFrame
    const data = frame.data as { lastEventId?: number } | undefined
    if (frame.event === 'connected') {
      attempt = 0
      lastId ??= data?.lastEventId
      setState('open')
    } else if (frame.event === 'reset') {
      lastId = data?.lastEventId // what was missed is gone: the caller refetches (onFrame)
    } else if (frame.event === 'message') {
      const message = frame.data as ChannelMessage
      if (lastId !== undefined && message.id <= lastId) return
      lastId = message.id
      opts.onMessage?.(message)
    }
    opts.onFrame?.(frame)
  }

  const end = (close?: { code: number; reason: string }) => {
    stopped = true
    setState('closed', close)
  }

  const reconnect = async () => {
    setState('reconnecting')
    await backoff(attempt++)
    if (!stopped) void connect()
  }

  const closed = async (code: number, reason: string, ping: ReturnType<typeof setInterval>) => {
    clearInterval(ping)
    socket = undefined
    if (stopped) return setState('closed', { code, reason })
    if (code === SESSION_ENDED || code === ACCESS_REVOKED) return end({ code, reason })
    if (code === TOKEN_EXPIRED && !(await ctx.refresh())) return end({ code, reason })
    await reconnect()
  }

  async function connect() {
    let ws: WebSocket
    try {
      const token = await ctx.freshToken()
      ws = await ctx.webSocket(url(), token ? ['bearer', token] : [])
    } catch {
      return reconnect()
    }
    if (stopped) return ws.close(1000, 'closed by the client')
    socket = ws
    const ping = setInterval(() => ws.readyState === 1 && ws.send('{"event":"ping"}'), opts.pingMs ?? 25_000)
    ws.addEventListener('message', (e) => receive(String(e.data)))
    ws.addEventListener('close', (e) => void closed(e.code, e.reason, ping))
  }

  void connect()
  return {
    /** Sends a client frame: `typing`, `stopTyping`, `getOnlineStatus`, `publish`, `ping`. */
    send: (event: string, data?: unknown) => socket?.send(JSON.stringify({ event, data })),
    /** Closes the socket and stops reconnecting. */
    close: () => {
      stopped = true
      if (socket) socket.close(1000, 'closed by the client')
      else setState('closed')
    },
    get state() {
      return state
    },
    /** The last event id received: pass it as `since` to resume elsewhere. */
    get lastEventId() {
      return lastId
    },
  }
}
