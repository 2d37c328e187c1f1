import type { ChannelMessage } from '../features/realtime/protocol'

export type { ChannelMessage }

export type Tokens = { accessToken: string; refreshToken: string }

/** `open`, `reconnecting` (dropped, trying again), or `closed` (for good: asked to, or the server said so). */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

/** An error reply of the API: its HTTP status and the envelope's code. */
export class OutpostError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
    this.name = 'OutpostError'
  }
}

/** What the realtime helpers need of the client. */
export type ClientContext = {
  baseUrl: string
  /** Sends with the access token, refreshing it on TOKEN_EXPIRED. */
  fetch: typeof fetch
  /** The access token, refreshed first when it expires within seconds; undefined when signed out. */
  freshToken: () => Promise<string | undefined>
  refresh: () => Promise<boolean>
  webSocket: (url: string, protocols: string[]) => WebSocket | Promise<WebSocket>
}

/** Close codes after which reconnecting cannot help (docs/realtime.md, "When a connection ends"). */
export const SESSION_ENDED = 4001
export const TOKEN_EXPIRED = 4002
export const ACCESS_REVOKED = 4003

/** Waits before the next reconnect: 0.25 s, 0.5 s, 1 s … up to 10 s. */
export const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 250 * 2 ** Math.min(attempt, 6))))

/** When a JWT expires (ms since the epoch), read from its payload without verifying it; 0 when unreadable. */
export function expiresAt(jwt: string) {
  try {
    const payload = jwt.split('.')[1] ?? ''
    const { exp } = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number }
    return typeof exp === 'number' ? exp * 1000 : 0
  } catch {
    return 0
  }
}
