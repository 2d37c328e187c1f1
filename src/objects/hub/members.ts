export type Member = { clientId: string; userId: string | null; transport: 'websocket' | 'sse'; connectedAt: number }

/** A signed-in connection's session, and when its access token expires (ms); null for anonymous ones. */
export type Session = { sessionId: string | null; expiresAt: number | null }

/** Which connections to end: a user's, those of some sessions, or the given clients. */
export type ConnectionFilter = { userId: string } | { sessionIds: string[] } | { clientIds: string[] }

type Row = { client_id: string; user_id: string | null; transport: Member['transport']; connected_at: number }
const toMember = (r: Row): Member => ({
  clientId: r.client_id,
  userId: r.user_id,
  transport: r.transport,
  connectedAt: r.connected_at,
})

/**
 * Everyone connected to this hub, in storage: presence, counts and stats are answered by SQLite
 * instead of deserializing every socket's attachment on each join; so are the connections a
 * logout or a token expiry ends.
 */
export class Members {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS members (client_id TEXT PRIMARY KEY, user_id TEXT, transport TEXT NOT NULL, connected_at INTEGER NOT NULL, session_id TEXT, expires_at INTEGER)`,
    )
    // A hub created before sessions were recorded has the older table; its rows went with its
    // sockets (a deploy restarts the object), so the columns are only added.
    if (!sql.exec(`SELECT * FROM members LIMIT 0`).columnNames.includes('session_id')) {
      sql.exec(`ALTER TABLE members ADD COLUMN session_id TEXT`)
      sql.exec(`ALTER TABLE members ADD COLUMN expires_at INTEGER`)
    }
    sql.exec(`CREATE INDEX IF NOT EXISTS members_user ON members (user_id)`)
    sql.exec(`CREATE INDEX IF NOT EXISTS members_session ON members (session_id)`)
    sql.exec(`CREATE INDEX IF NOT EXISTS members_expiry ON members (expires_at)`)
  }

  /** After a restart: SSE streams died with the old instance, and so did sockets if none are left. */
  forgetDead(socketsLeft: boolean) {
    this.sql.exec(socketsLeft ? `DELETE FROM members WHERE transport = 'sse'` : `DELETE FROM members`)
  }

  add(m: Member & Session) {
    this.sql.exec(
      `INSERT OR REPLACE INTO members (client_id, user_id, transport, connected_at, session_id, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
      m.clientId,
      m.userId,
      m.transport,
      m.connectedAt,
      m.sessionId,
      m.expiresAt,
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
    return this.sql.exec<Row>(`SELECT * FROM members ORDER BY connected_at`).toArray().map(toMember)
  }

  live(clientIds: string[]) {
    return clientIds.filter((id) => this.sql.exec(`SELECT 1 FROM members WHERE client_id = ?`, id).toArray().length > 0)
  }

  /** The connections `filter` names. */
  matching(filter: ConnectionFilter): Member[] {
    if ('userId' in filter)
      return this.sql.exec<Row>(`SELECT * FROM members WHERE user_id = ?`, filter.userId).toArray().map(toMember)
    const [column, ids] = 'sessionIds' in filter ? ['session_id', filter.sessionIds] : ['client_id', filter.clientIds]
    return ids.flatMap((id) =>
      this.sql.exec<Row>(`SELECT * FROM members WHERE ${column} = ?`, id).toArray().map(toMember),
    )
  }

  /** Connections whose access token expired by `now`. */
  expired(now: number): Member[] {
    return this.sql.exec<Row>(`SELECT * FROM members WHERE expires_at <= ?`, now).toArray().map(toMember)
  }

  /** When the next token expires, if any connection has one. */
  nextExpiry(): number | null {
    return this.sql.exec<{ t: number | null }>(`SELECT min(expires_at) AS t FROM members`).one().t
  }

  /** Extends a connection to a fresh token's expiry; its expiry now, or null when it is gone (closed meanwhile). */
  renew(clientId: string, expiresAt: number) {
    const [row] = this.sql
      .exec<{ t: number }>(
        `UPDATE members SET expires_at = max(coalesce(expires_at, 0), ?) WHERE client_id = ? RETURNING expires_at AS t`,
        expiresAt,
        clientId,
      )
      .toArray()
    return row ? row.t : null
  }
}
