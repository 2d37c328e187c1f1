import { z } from '@hono/zod-openapi'
import type { EventData } from './hub.service'

/** Channel families and the shape of their names: `<family>:<id>`. */
export const CHANNEL_FAMILIES = ['public', 'user', 'project', 'coldcell', 'customer'] as const
export type ChannelFamily = (typeof CHANNEL_FAMILIES)[number]
export const CHANNEL_NAME = /^(public|user|project|coldcell|customer):[A-Za-z0-9_.-]{1,128}$/

export const ChannelName = z
  .string()
  .regex(CHANNEL_NAME, 'must be <public|user|project|coldcell|customer>:<id> (letters, digits, _ . -)')
export const EventName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1–64 letters, digits, _ . : -')

/** One event as every subscriber sees it, on WebSocket (`{ event: 'message', data }`) and SSE (`data:`). */
export type ChannelMessage = {
  id: number
  channel: string
  event: string
  payload: EventData
  /** The user who published it, when a client did. */
  from: string | null
  at: string
  /** Set on a global broadcast, so a stream merging several channels delivers it once. */
  broadcastId?: string
}

/** Lines of the internal NDJSON stream a hub sends the Worker for one SSE subscriber. */
export type HubStreamLine =
  | { type: 'hello'; channel: string; seq: number }
  | { type: 'reset'; channel: string; seq: number }
  | { type: 'message'; message: ChannelMessage }
  | ({ type: 'close'; channel: string } & Close)

/** The hub's probe on an SSE stream (a stream whose client left is only noticed when written to). */
export type HubStreamPing = { type: 'ping' }

const encoder = new TextEncoder()
/** One line of that stream, as bytes. */
export const streamLine = (l: HubStreamLine | HubStreamPing) => encoder.encode(`${JSON.stringify(l)}\n`)
/** One server → client WebSocket frame. */
export const wsFrame = (event: string, data: unknown) => JSON.stringify({ event, data })

/** What a reconnecting subscriber missed: the events after its position, or `reset` when they are gone. */
export type CatchUp = { reset: boolean; messages: ChannelMessage[] }

/** Who is on a channel: signed-in users with their connection counts, and anonymous connections. */
export type ChannelPresence = { users: { userId: string; connections: number }[]; anonymous: number }

/**
 * What a new WebSocket is sent first: `connected`, the replay or a `reset` when it asked to resume,
 * then a presence `sync`.
 */
export function socketGreeting(
  channel: string,
  clientId: string,
  lastEventId: number,
  presence: ChannelPresence,
  catchUp?: CatchUp,
) {
  const frames = [wsFrame('connected', { clientId, channel, lastEventId })]
  if (catchUp?.reset) frames.push(wsFrame('reset', { channel, lastEventId }))
  for (const m of catchUp?.messages ?? []) frames.push(wsFrame('message', m))
  frames.push(wsFrame('presence', { type: 'sync', ...presence }))
  return frames
}

/** What a new SSE stream is sent first: the replay or a `reset` when asked, then `hello` with the position. */
export function streamGreeting(channel: string, seq: number, catchUp?: CatchUp): HubStreamLine[] {
  const lines: HubStreamLine[] = catchUp?.reset ? [{ type: 'reset', channel, seq }] : []
  for (const message of catchUp?.messages ?? []) lines.push({ type: 'message', message })
  lines.push({ type: 'hello', channel, seq })
  return lines
}

/**
 * Who is connecting, as the Worker vouches for it to the hub: signed-in connections carry their
 * session and when their access token expires (ms), so either can end them.
 */
export type Subscriber = {
  clientId: string
  userId: string | null
  sessionId: string | null
  expiresAt: number | null
  canPublish: boolean
}

/** Why the server ended a connection: the WebSocket close frame, or SSE's last event (`event: close`). */
export type Close = { code: number; reason: string }

/** Close codes, documented in docs/realtime.md ("When a connection ends"). */
export const CLOSE = {
  idle: { code: 4000, reason: 'idle for more than 60 s' },
  /** Logout, password reset or change, refresh-token reuse, account deleted: do not reconnect with this token. */
  sessionEnded: (why: string): Close => ({ code: 4001, reason: `session ended: ${why}` }),
  /** The token expired without an `auth` frame: reconnect (resuming with `since`/Last-Event-ID) with a fresh one. */
  tokenExpired: { code: 4002, reason: 'access token expired' },
  /** A role or customer link was removed: the channel is no longer readable. */
  accessRevoked: { code: 4003, reason: 'access to this channel was revoked' },
} as const satisfies Record<string, Close | ((why: string) => Close)>

const Data = z.record(z.string(), z.json()).optional()

/** Frames a WebSocket client may send. Anything else gets an `error` reply. */
export const ClientFrame = z.discriminatedUnion('event', [
  z.object({ event: z.literal('ping'), data: z.unknown().optional() }),
  z.object({ event: z.literal('typing'), data: Data }),
  z.object({ event: z.literal('stopTyping'), data: Data }),
  z.object({
    event: z.literal('getOnlineStatus'),
    data: z.object({
      userIds: z
        .array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/))
        .min(1)
        .max(100),
    }),
  }),
  z.object({ event: z.literal('publish'), data: z.object({ event: EventName, data: z.json().optional() }) }),
  z.object({ event: z.literal('auth'), data: z.object({ token: z.string().min(1).max(4096) }) }),
  // Project channels (seed 001): a cursor is relayed to the others, never stored; a task update
  // goes through the same service and rules as PATCH /tasks/{id}.
  z.object({ event: z.literal('cursor_position'), data: z.object({ position: z.json() }) }),
  z.object({
    event: z.literal('task_update'),
    data: z.object({ taskId: z.uuid(), changes: z.record(z.string(), z.json()) }),
  }),
])
export type ClientFrame = z.infer<typeof ClientFrame>

/** Client frames above this size are refused (a published event is kept in the replay log). */
export const MAX_FRAME_BYTES = 16 * 1024

type FrameError = {
  code: 'FRAME_TOO_LARGE' | 'INVALID_JSON' | 'INVALID_FRAME' | 'UNKNOWN_EVENT'
  message: string
  details?: Record<string, string>
}

/** A client's WebSocket message as a frame, or the `error` to answer it with. */
export function parseClientFrame(message: string | ArrayBuffer): { frame: ClientFrame } | { error: FrameError } {
  const size = typeof message === 'string' ? message.length : message.byteLength
  if (size > MAX_FRAME_BYTES)
    return { error: { code: 'FRAME_TOO_LARGE', message: `Frames are limited to ${MAX_FRAME_BYTES} bytes` } }
  let json: unknown
  try {
    json = typeof message === 'string' ? JSON.parse(message) : undefined
  } catch {
    json = undefined
  }
  if (json === undefined)
    return { error: { code: 'INVALID_JSON', message: 'Frames are JSON text: {"event": "...", "data": ...}' } }
  const parsed = ClientFrame.safeParse(json)
  if (parsed.success) return { frame: parsed.data }
  const event = (json as { event?: unknown } | null)?.event
  if (!ClientFrame.options.some((o) => o.shape.event.value === event)) {
    return {
      error: {
        code: 'UNKNOWN_EVENT',
        message: `Unknown event ${JSON.stringify(event)}; expected ping, typing, stopTyping, getOnlineStatus, publish, auth, cursor_position or task_update`,
      },
    }
  }
  const details = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.') || 'frame', i.message]))
  return { error: { code: 'INVALID_FRAME', message: `Invalid "${String(event)}" frame`, details } }
}

/** The Worker's internal request to a hub (`/ws` or `/sse`): who connects, and where it resumes. */
export function parseHubRequest(request: Request) {
  const url = new URL(request.url)
  const q = url.searchParams
  const sub: Subscriber = {
    clientId: q.get('clientId') ?? crypto.randomUUID(),
    userId: q.get('userId') || null,
    sessionId: q.get('sessionId') || null,
    expiresAt: Number(q.get('expiresAt')) || null,
    canPublish: q.get('publish') === '1',
  }
  return { sse: url.pathname === '/sse', sub, since: parseSince(q.get('since')), protocol: q.get('protocol') }
}

/** Parses a channel event id as sent back by a client: `42` or `<channel>:42`. */
export function parseSince(value: string | null | undefined): number | undefined {
  if (!value) return undefined
  const n = Number(value.slice(value.lastIndexOf(':') + 1))
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}
