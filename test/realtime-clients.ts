/** Test clients for the realtime routes: an SSE reader and a WebSocket with an inbox. */
import { SELF } from 'cloudflare:test'
import { BASE, seedUser } from './helpers'

export type SseEvent = { id?: string; event: string; data: unknown }

const within = <T>(ms: number, what: string, p: Promise<T>) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)),
  ])

/** Opens an SSE stream; `next()` resolves with the next event (comments skipped). */
export async function openSse(path: string, headers: Record<string, string> = {}) {
  const res = await SELF.fetch(`${BASE}${path}`, { headers })
  if (!res.ok || !res.body)
    return {
      res,
      next: () => Promise.reject(new Error(`no stream: ${res.status}`)),
      close: async () => {},
      comments: [] as string[],
    }
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  const comments: string[] = []
  let buffer = ''
  const read = async (): Promise<SseEvent> => {
    for (;;) {
      const end = buffer.indexOf('\n\n')
      if (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const ev: { id?: string; event?: string; data?: string } = {}
        for (const l of block.split('\n')) {
          if (l.startsWith(':')) comments.push(l)
          else {
            const at = l.indexOf(':')
            const [k, v] = [l.slice(0, at), l.slice(at + 1).replace(/^ /, '')]
            if (k === 'id' || k === 'event' || k === 'data') ev[k] = v
          }
        }
        if (ev.data !== undefined) return { id: ev.id, event: ev.event ?? 'message', data: JSON.parse(ev.data) }
        continue
      }
      const { value, done } = await reader.read()
      if (done) throw new Error('stream ended')
      buffer += decoder.decode(value, { stream: true })
    }
  }
  return { res, next: (ms = 5_000) => within(ms, 'an SSE event', read()), close: () => reader.cancel(), comments }
}

export type Frame = { event: string; data: Record<string, unknown> & { [k: string]: unknown } }

/** Opens a WebSocket on a channel; `next(event)` resolves with the next frame of that event. */
export async function openSocket(channel: string, opts: { token?: string; since?: string; protocols?: string } = {}) {
  const q = new URLSearchParams()
  if (opts.token && !opts.protocols) q.set('access_token', opts.token)
  if (opts.since) q.set('since', opts.since)
  const headers: Record<string, string> = { upgrade: 'websocket' }
  if (opts.protocols) headers['sec-websocket-protocol'] = opts.protocols
  const res = await SELF.fetch(`${BASE}/api/v1/realtime/channels/${encodeURIComponent(channel)}/ws?${q}`, { headers })
  const ws = res.webSocket
  if (!ws)
    return {
      res,
      ws: undefined as never,
      next: () => Promise.reject(new Error(`no socket: ${res.status}`)),
      send: () => {},
      frames: [] as Frame[],
      closed: Promise.resolve(0),
    }
  ws.accept()
  const frames: Frame[] = []
  let waiting: (() => void)[] = []
  let cursor = 0
  ws.addEventListener('message', (e) => {
    frames.push(JSON.parse(e.data as string) as Frame)
    const woken = waiting
    waiting = []
    for (const w of woken) w()
  })
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)))
  /** The next frame named `event` after the last one returned (earlier frames of other events are skipped). */
  const next = (event: string, ms = 5_000) =>
    within(
      ms,
      `a "${event}" frame`,
      new Promise<Frame>((resolve) => {
        const look = () => {
          for (; cursor < frames.length; cursor++) {
            if (frames[cursor]!.event === event) return resolve(frames[cursor++]!)
          }
          waiting.push(look)
        }
        look()
      }),
    )
  return { res, ws, next, send: (f: unknown) => ws.send(typeof f === 'string' ? f : JSON.stringify(f)), frames, closed }
}

/** A public channel name no other test uses. */
export const uniqueChannel = (name: string) => `public:${name}-${crypto.randomUUID().slice(0, 8)}`

/** An admin and two users, signed in. */
export async function seedCast() {
  const [admin, alice, bob] = await Promise.all([seedUser({ roles: ['admin'] }), seedUser(), seedUser()])
  return { admin, alice, bob }
}
