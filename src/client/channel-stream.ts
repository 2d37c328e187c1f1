import {
  ACCESS_REVOKED,
  backoff,
  type ChannelMessage,
  type ClientContext,
  type ConnectionState,
  SESSION_ENDED,
} from './shared'

/** One SSE event: `connected`, `reset`, `close`, or a channel event whose data is a `ChannelMessage`. */
export type StreamEvent = { id?: string; event: string; data: unknown }

export type StreamOptions = {
  /** Resume from this `Last-Event-ID` (it holds a position per channel). */
  lastEventId?: string
  /** Each channel event once, in order, across reconnects. */
  onMessage?: (message: ChannelMessage) => void
  /** Every event, control events included. */
  onEvent?: (event: StreamEvent) => void
  onState?: (state: ConnectionState, close?: { code: number; reason: string }) => void
}

export type ChannelStream = ReturnType<typeof openChannelStream>

const CONTROL = new Set(['connected', 'reset', 'close'])

/** Splits an SSE body into events; comments (heartbeats) are skipped. */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n')
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const fields: { id?: string; event?: string; data: string[] } = { data: [] }
        for (const line of block.split('\n')) {
          if (!line || line.startsWith(':')) continue
          const at = line.indexOf(':')
          const [key, value] = at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1).replace(/^ /, '')]
          if (key === 'data') fields.data.push(value)
          else if (key === 'id' || key === 'event') fields[key] = value
        }
        if (!fields.data.length) continue
        yield { id: fields.id, event: fields.event ?? 'message', data: JSON.parse(fields.data.join('\n')) }
      }
    }
  } finally {
    reader.releaseLock()
  }
}

/**
 * An SSE stream over channels (the caller's own `user:<id>` too when signed in) that stays connected: after a drop
 * or a 4002 (token expired) it reconnects with `Last-Event-ID`, which resumes every channel exactly. After 4003 it
 * drops the revoked channel and goes on with the others; after 4001 (session ended), a 4xx, or `close()` it stops.
 */
export function openChannelStream(ctx: ClientContext, channels: string[], opts: StreamOptions) {
  let lastEventId = opts.lastEventId
  let subscribed = [...channels]
  let stopped = false
  let attempt = 0
  let abort: AbortController | undefined
  let state: ConnectionState = 'connecting'
  const setState = (next: ConnectionState, close?: { code: number; reason: string }) => {
    state = next
    opts.onState?.(next, close)
  }

  /** Reads one connection to its end; returns the close event's data when the server ended it. */
  const readOnce = async (): Promise<{ code: number; reason: string; channel?: string } | undefined> => {
    const token = await ctx.freshToken()
    const url = new URL(`${ctx.baseUrl}/api/v1/sse/${token ? 'auth/' : ''}connect`)
    if (subscribed.length) url.searchParams.set('channels', subscribed.join(','))
    abort = new AbortController()
    const headers: Record<string, string> = { accept: 'text/event-stream' }
    if (lastEventId) headers['last-event-id'] = lastEventId
    const res = await ctx.fetch(url, { headers, signal: abort.signal })
    if (res.status >= 400 && res.status < 500) return { code: res.status, reason: await res.text() }
    if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`)
    for await (const event of sseEvents(res.body)) {
      if (event.id) lastEventId = event.id
      if (event.event === 'connected') {
        attempt = 0
        setState('open')
      }
      opts.onEvent?.(event)
      if (event.event === 'close') return event.data as { code: number; reason: string; channel?: string }
      if (!CONTROL.has(event.event)) opts.onMessage?.(event.data as ChannelMessage)
    }
    return undefined
  }

  const run = async () => {
    while (!stopped) {
      const close = await readOnce().catch(() => undefined)
      if (stopped) break
      if (close && (close.code === SESSION_ENDED || (close.code >= 400 && close.code < 500))) {
        stopped = true
        setState('closed', close)
        return
      }
      if (close?.code === ACCESS_REVOKED) subscribed = subscribed.filter((c) => c !== close.channel)
      setState('reconnecting')
      await backoff(attempt++)
    }
    setState('closed')
  }

  void run()
  return {
    /** Ends the stream and stops reconnecting. */
    close: () => {
      stopped = true
      abort?.abort()
    },
    get state() {
      return state
    },
    /** The last event id received: pass it as `lastEventId` to resume elsewhere. */
    get lastEventId() {
      return lastEventId
    },
  }
}
