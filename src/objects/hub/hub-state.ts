import { wsFrame } from '../../features/realtime/protocol'
import type { HubSockets } from './sockets'

/** Typing lasts this long after the last `typing` frame unless renewed. */
export const TYPING_TTL_MS = 5_000

type Context = Record<string, unknown>

/**
 * Who is typing on this channel, in storage so it survives hibernation. Every change is told to the
 * channel's sockets except the typist's own (`typing { userId, isTyping, …context }`).
 */
export class TypingState {
  constructor(
    private readonly sql: SqlStorage,
    private readonly sockets: Pick<HubSockets, 'broadcast'>,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS typing (user_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`)
  }

  /** Starts or renews typing. */
  start(userId: string, context: Context = {}, now = Date.now()) {
    this.sql.exec(
      `INSERT INTO typing (user_id, expires_at) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET expires_at = excluded.expires_at`,
      userId,
      now + TYPING_TTL_MS,
    )
    this.tell(userId, { ...context, userId, isTyping: true })
  }

  /** Stops typing; told only when the user was typing. */
  stop(userId: string, context: Context = {}) {
    const was = this.sql.exec(`DELETE FROM typing WHERE user_id = ? RETURNING user_id`, userId).toArray().length > 0
    if (was) this.tell(userId, { ...context, userId, isTyping: false })
  }

  /** Ends the typing that was not renewed in time (`expired: true`). */
  expire(now = Date.now()) {
    const rows = this.sql.exec<{ user_id: string }>(`DELETE FROM typing WHERE expires_at <= ? RETURNING user_id`, now)
    for (const { user_id: userId } of rows.toArray()) this.tell(userId, { userId, isTyping: false, expired: true })
  }

  private tell(userId: string, data: Context) {
    this.sockets.broadcast(wsFrame('typing', data), userId)
  }

  nextExpiry(): number | null {
    return this.sql.exec<{ t: number | null }>(`SELECT min(expires_at) AS t FROM typing`).one().t
  }
}

/** Small facts a hub keeps about itself: its channel name, its directory generation. */
export class HubMeta {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS hub_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`)
  }

  get(k: string) {
    return this.sql.exec<{ v: string }>(`SELECT v FROM hub_meta WHERE k = ?`, k).toArray()[0]?.v
  }

  /** The hub's channel as stored; at first use, `given`, which is stored. */
  channel(given: string | undefined) {
    const stored = this.get('channel')
    if (stored || !given) return stored
    this.set('channel', given)
    return given
  }

  set(k: string, v: string) {
    this.sql.exec(`INSERT INTO hub_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, k, v)
  }
}
