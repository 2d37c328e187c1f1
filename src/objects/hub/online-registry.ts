/** A presence hub re-checks a connection it was told about when its record is older than this. */
export const ONLINE_RECHECK_MS = 60_000

/**
 * A PresenceHub's table: every connection its user holds on any channel (client id → channel),
 * with when the holding channel hub last confirmed it.
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
