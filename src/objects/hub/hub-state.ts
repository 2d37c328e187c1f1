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

export type Member = { clientId: string; userId: string | null; transport: 'websocket' | 'sse'; connectedAt: number }

/**
 * Everyone connected to this hub, in storage: presence, counts and stats are answered by SQLite
 * instead of deserializing every socket's attachment on each join.
 */
export class Members {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS members (client_id TEXT PRIMARY KEY, user_id TEXT, transport TEXT NOT NULL, connected_at INTEGER NOT NULL)`,
    )
    sql.exec(`CREATE INDEX IF NOT EXISTS members_user ON members (user_id)`)
  }

  /** After a restart: SSE streams died with the old instance, and so did sockets if none are left. */
  forgetDead(socketsLeft: boolean) {
    this.sql.exec(socketsLeft ? `DELETE FROM members WHERE transport = 'sse'` : `DELETE FROM members`)
  }

  add(m: Member) {
    this.sql.exec(
      `INSERT OR REPLACE INTO members (client_id, user_id, transport, connected_at) VALUES (?, ?, ?, ?)`,
      m.clientId,
      m.userId,
      m.transport,
      m.connectedAt,
    )
  }

  /** True the first time a client is removed, so a close seen twice is handled once. */
  remove(clientId: string) {
    return this.sql.exec(`DELETE FROM members WHERE client_id = ? RETURNING client_id`, clientId).toArray().length > 0
  }

  /** Connections of `userId` here, not counting `except`. */
  countOf(userId: string, except = '') {
    return this.sql
      .exec<{ n: number }>(`SELECT count(*) AS n FROM members WHERE user_id = ? AND client_id != ?`, userId, except)
      .one().n
  }

  count() {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM members`).one().n
  }

  /** WebSocket connections, and distinct signed-in users on either transport. */
  counts() {
    return this.sql
      .exec<{ websockets: number; users: number }>(
        `SELECT count(*) FILTER (WHERE transport = 'websocket') AS websockets, count(DISTINCT user_id) AS users FROM members`,
      )
      .one()
  }

  /** `{ users: [{ userId, connections }], anonymous }` */
  presence() {
    const rows = this.sql
      .exec<{ user_id: string | null; n: number }>(
        `SELECT user_id, count(*) AS n FROM members GROUP BY user_id ORDER BY user_id`,
      )
      .toArray()
    return {
      users: rows.flatMap((r) => (r.user_id ? [{ userId: r.user_id, connections: r.n }] : [])),
      anonymous: rows.find((r) => r.user_id === null)?.n ?? 0,
    }
  }

  list(): Member[] {
    return this.sql
      .exec<{ client_id: string; user_id: string | null; transport: 'websocket' | 'sse'; connected_at: number }>(
        `SELECT * FROM members ORDER BY connected_at`,
      )
      .toArray()
      .map((r) => ({ clientId: r.client_id, userId: r.user_id, transport: r.transport, connectedAt: r.connected_at }))
  }

  live(clientIds: string[]) {
    return clientIds.filter((id) => this.sql.exec(`SELECT 1 FROM members WHERE client_id = ?`, id).toArray().length > 0)
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
