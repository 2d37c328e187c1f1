import type { ChannelMessage, HubStreamLine, HubStreamPing } from './protocol'

/** A comment line goes out this often so proxies keep the connection and clients detect loss. */
export const HEARTBEAT_MS = 25_000
/** A client this many chunks behind is disconnected; it resumes with Last-Event-ID. */
const MAX_BACKLOG = 1_000
const RETRY_MS = 3_000

const encoder = new TextEncoder()

/**
 * SSE ids carry a position for every channel of the stream (`public:a:42,public:b:17`), so the one
 * `Last-Event-ID` a browser sends back resumes each channel exactly where it stopped.
 */
export function parseCursor(value: string | undefined | null) {
  const positions = new Map<string, number>()
  for (const part of (value ?? '').split(',')) {
    const at = part.lastIndexOf(':')
    const n = Number(part.slice(at + 1))
    if (at > 0 && part.slice(at + 1) !== '' && Number.isSafeInteger(n) && n >= 0)
      positions.set(part.slice(0, at).trim(), n)
  }
  return positions
}

const formatCursor = (positions: Map<string, number>) => [...positions].map(([ch, n]) => `${ch}:${n}`).join(',')

/** Reads NDJSON lines from one hub's stream. */
class Upstream {
  private pending: string[] = []
  private rest = ''
  private readonly decoder = new TextDecoder()

  constructor(
    readonly channel: string,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {}

  async next(): Promise<HubStreamLine | null> {
    while (this.pending.length === 0) {
      const { value, done } = await this.reader.read()
      if (done) return null
      const lines = (this.rest + this.decoder.decode(value, { stream: true })).split('\n')
      this.rest = lines.pop() ?? ''
      this.pending = lines.filter(Boolean)
    }
    const parsed = JSON.parse(this.pending.shift()!) as HubStreamLine | HubStreamPing
    return parsed.type === 'ping' ? this.next() : parsed
  }

  cancel() {
    this.reader.cancel().catch(() => undefined)
  }
}

type OpenHub = (channel: string, since: number | undefined) => Promise<ReadableStream<Uint8Array>>

/**
 * Merges the hubs of `channels` into one SSE stream: `connected` first (its id is the position
 * to resume from), then each channel's replay or `reset`, then live events as they come.
 */
export async function mergedSseStream(opts: {
  clientId: string
  channels: string[]
  cursor: Map<string, number>
  open: OpenHub
  onClose: () => void
}) {
  const upstreams = await Promise.all(
    opts.channels.map(async (ch) => new Upstream(ch, (await opts.open(ch, opts.cursor.get(ch))).getReader())),
  )
  const positions = new Map<string, number>()
  const preamble: HubStreamLine[] = []
  for (const u of upstreams) {
    for (let l = await u.next(); l; l = await u.next()) {
      if (l.type === 'hello') {
        positions.set(u.channel, opts.cursor.get(u.channel) ?? l.seq)
        break
      }
      preamble.push(l)
    }
  }
  const seenBroadcasts = new Set<string>()
  let closed = false
  let heartbeat: ReturnType<typeof setInterval> | undefined
  let out!: ReadableStreamDefaultController<Uint8Array>
  const close = () => {
    if (closed) return
    closed = true
    if (heartbeat) clearInterval(heartbeat)
    for (const u of upstreams) u.cancel()
    opts.onClose()
    try {
      out.close()
    } catch {
      // Already cancelled by the client.
    }
  }
  const send = (text: string) => {
    if (closed) return
    if ((out.desiredSize ?? 0) < -MAX_BACKLOG) return close()
    out.enqueue(encoder.encode(text))
  }
  const emit = (l: HubStreamLine) => {
    if (l.type === 'close') {
      // A hub ended this subscriber (session ended, token expired, access revoked): say why, without
      // an id, so the client's Last-Event-ID still resumes where it stopped; then end the whole stream.
      const { channel, code, reason } = l
      send(`event: close\ndata: ${JSON.stringify({ code, reason, channel })}\n\n`)
      return close()
    }
    if (l.type === 'reset') {
      positions.set(l.channel, l.seq)
      return send(
        `id: ${formatCursor(positions)}\nevent: reset\ndata: ${JSON.stringify({ channel: l.channel, lastEventId: `${l.channel}:${l.seq}` })}\n\n`,
      )
    }
    if (l.type !== 'message') return
    const m: ChannelMessage = l.message
    positions.set(m.channel, m.id)
    if (m.broadcastId) {
      if (seenBroadcasts.has(m.broadcastId)) return
      if (seenBroadcasts.size > 1_000) seenBroadcasts.clear()
      seenBroadcasts.add(m.broadcastId)
    }
    send(`id: ${formatCursor(positions)}\nevent: ${m.event.replace(/[\r\n]/g, '')}\ndata: ${JSON.stringify(m)}\n\n`)
  }
  const pump = async (u: Upstream) => {
    for (let l = await u.next().catch(() => null); l; l = await u.next().catch(() => null)) emit(l)
    // A hub that ends our stream (restarted, or found us too slow): end the client's stream too,
    // so it reconnects with its Last-Event-ID and the replay fills the gap.
    close()
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      out = controller
      send(
        `retry: ${RETRY_MS}\nid: ${formatCursor(positions)}\nevent: connected\ndata: ${JSON.stringify({ clientId: opts.clientId, channels: opts.channels })}\n\n`,
      )
      for (const l of preamble) emit(l)
      heartbeat = setInterval(() => send(`: heartbeat ${new Date().toISOString()}\n\n`), HEARTBEAT_MS)
      for (const u of upstreams) void pump(u)
    },
    cancel: close,
  })
}
