/** Test clients for the realtime routes: an SSE reader and a WebSocket with an inbox. */
import { SELF } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import { hubFor } from '../src/features/realtime/hub.service'
import { BASE, seedUser } from './helpers'

export type SseEvent = { id?: string; event: string; data: unknown }

export const within = <T>(ms: number, what: string, p: Promise<T>) =>
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
      ended: Promise.resolve({ code: 0, reason: '' }),
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
  const ended = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })),
  )
  const closed = ended.then((e) => e.code)
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
  const send = (f: unknown) => ws.send(typeof f === 'string' ? f : JSON.stringify(f))
  return { res, ws, next, send, frames, closed, ended }
}

/** A public channel name no other test uses. */
/** Sockets on each channel with `token`, greeted (so registered with the user's presence). */
export async function openGreeted(token: string, ...channels: string[]) {
  const open = await Promise.all(channels.map((ch) => openSocket(ch, { token })))
  await Promise.all(open.map((s) => s.next('presence')))
  return open
}

export const uniqueChannel = (name: string) => `public:${name}-${crypto.randomUUID().slice(0, 8)}`

/** An admin and two users, signed in. */
export async function seedCast() {
  const [admin, alice, bob] = await Promise.all([seedUser({ roles: ['admin'] }), seedUser(), seedUser()])
  return { admin, alice, bob }
}

type Socket = Awaited<ReturnType<typeof openSocket>>
type Stream = Awaited<ReturnType<typeof openSse>>

/** Publishes an `after` event on each channel: what the server sends once a change has been answered. */
export const publishAfter = (...channels: string[]) =>
  Promise.all(channels.map((ch) => hubFor(env.CHANNEL_HUB, ch).publish('after', { n: 1 })))

/** The socket closes with `code` (within 5 s) and no `after` event reached it; returns the close reason. */
export async function expectSocketClosed(s: Socket, code: number) {
  const ended = await within(5_000, 'the socket to close', s.ended)
  const after = s.frames.filter((f) => f.event === 'message' && f.data.event === 'after')
  expect({ code: ended.code, after }).toEqual({ code, after: [] })
  return ended.reason
}

/** The socket is open and receives the `after` event. */
export async function expectSocketOpen(s: Socket) {
  expect((await s.next('message')).data).toMatchObject({ event: 'after' })
  expect(s.ws.readyState).toBe(WebSocket.OPEN)
}

/** The stream's last event is `close` with `code`, then it ends; no `after` event reached it. Returns the close. */
export async function expectStreamClosed(s: Stream, code: number) {
  const seen: SseEvent[] = []
  for (let e = await s.next().catch(() => null); e; e = await s.next().catch(() => null)) seen.push(e)
  expect(seen.filter((e) => e.event === 'after')).toEqual([])
  expect(seen.at(-1)).toMatchObject({ event: 'close', data: { code } })
  return seen.at(-1)?.data
}
