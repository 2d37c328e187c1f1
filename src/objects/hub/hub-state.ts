/** Typing lasts this long after the last `typing` frame unless renewed. */
export const TYPING_TTL_MS = 5_000
/** A user hub re-checks a connection it was told about when its record is older than this. */
export const ONLINE_RECHECK_MS = 60_000

/** Who is typing on this channel, in storage so it survives hibernation. */
export class TypingState {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS typing (user_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`)
  }

  /** Starts or renews typing. */
  start(userId: string, now = Date.now()) {
    this.sql.exec(
      `INSERT INTO typing (user_id, expires_at) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET expires_at = excluded.expires_at`,
      userId,
      now + TYPING_TTL_MS,
    )
  }

  /** Stops typing; true when the user was typing. */
  stop(userId: string) {
    return this.sql.exec(`DELETE FROM typing WHERE user_id = ? RETURNING user_id`, userId).toArray().length > 0
  }

  /** Removes and returns the users whose typing has expired. */
  expire(now = Date.now()) {
    return this.sql
      .exec<{ user_id: string }>(`DELETE FROM typing WHERE expires_at <= ? RETURNING user_id`, now)
      .toArray()
      .map((r) => r.user_id)
  }

  nextExpiry(): number | null {
    return this.sql.exec<{ t: number | null }>(`SELECT min(expires_at) AS t FROM typing`).one().t
  }
}

/**
 * Kept only by a `user:<id>` hub: every connection its user holds on any channel, so "is this
 * user online" is one call however many tabs and channels the user has open.
 */
export class OnlineRegistry {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS online (client_id TEXT PRIMARY KEY, channel TEXT NOT NULL, checked_at INTEGER NOT NULL)`,
    )
  }

  track(clientId: string, channel: string, now = Date.now()) {
    this.sql.exec(
      `INSERT INTO online (client_id, channel, checked_at) VALUES (?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET checked_at = excluded.checked_at`,
      clientId,
      channel,
      now,
    )
  }

  untrack(clientIds: string[]) {
    for (const id of clientIds) this.sql.exec(`DELETE FROM online WHERE client_id = ?`, id)
  }

  /** Connections grouped by channel; only those not confirmed since `checkedBefore` when given. */
  byChannel(checkedBefore = Infinity) {
    const byChannel = new Map<string, string[]>()
    for (const r of this.sql.exec<{ client_id: string; channel: string }>(
      `SELECT client_id, channel FROM online WHERE checked_at < ?`,
      checkedBefore,
    )) {
      byChannel.set(r.channel, [...(byChannel.get(r.channel) ?? []), r.client_id])
    }
    return byChannel
  }

  confirm(clientIds: string[], now = Date.now()) {
    for (const id of clientIds) this.sql.exec(`UPDATE online SET checked_at = ? WHERE client_id = ?`, now, id)
  }

  count() {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM online`).one().n
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
