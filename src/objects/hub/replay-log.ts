import type { ChannelMessage } from '../../features/realtime/protocol'
import type { EventData } from '../../features/realtime/hub.service'

/** What the buffer keeps: an event stays while it is among the last 100 or younger than 5 minutes. */
export const REPLAY_MIN_EVENTS = 100
export const REPLAY_MIN_AGE_MS = 5 * 60_000
/** Hard cap, so a channel publishing thousands per minute cannot grow storage without bound. */
export const REPLAY_MAX_EVENTS = 10_000

type Row = {
  seq: number
  event: string
  payload: string
  sender: string | null
  at: number
  broadcast_id: string | null
}

/**
 * The channel's event log in the hub's SQLite storage: assigns monotonic ids and answers
 * "everything after id N", or that N is older than what is kept (the client must refetch).
 */
export class ReplayLog {
  private seq = 0

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS events (
      seq INTEGER PRIMARY KEY, event TEXT NOT NULL, payload TEXT NOT NULL, sender TEXT, at INTEGER NOT NULL, broadcast_id TEXT)`)
    // The newest row holds the counter: pruning never removes it, so ids never go back.
    this.seq = sql.exec<{ s: number | null }>(`SELECT max(seq) AS s FROM events`).one().s ?? 0
  }

  get lastId() {
    return this.seq
  }

  /** Stores one event and returns it with its id. Synchronous: no other call can interleave. */
  append(
    channel: string,
    event: string,
    payload: EventData,
    opts: { from?: string | null; broadcastId?: string } = {},
  ): ChannelMessage {
    const seq = this.seq + 1
    const at = Date.now()
    this.sql.exec(
      `INSERT INTO events (seq, event, payload, sender, at, broadcast_id) VALUES (?, ?, ?, ?, ?, ?)`,
      seq,
      event,
      JSON.stringify(payload),
      opts.from ?? null,
      at,
      opts.broadcastId ?? null,
    )
    this.seq = seq
    if (seq % 50 === 0) this.prune(at)
    return toMessage(
      channel,
      { seq, event, payload: '', sender: opts.from ?? null, at, broadcast_id: opts.broadcastId ?? null },
      payload,
    )
  }

  /**
   * Events after `since`, oldest first; `reset` when `since` is older than the buffer (events were
   * dropped) or newer than any id this channel issued (the id belongs to another life of it).
   */
  after(channel: string, since: number): { reset: boolean; messages: ChannelMessage[] } {
    if (since > this.seq) return { reset: true, messages: [] }
    if (since === this.seq) return { reset: false, messages: [] }
    const oldest = this.sql.exec<{ s: number | null }>(`SELECT min(seq) AS s FROM events`).one().s
    if (oldest === null || since < oldest - 1) return { reset: true, messages: [] }
    const rows = this.sql.exec<Row>(`SELECT * FROM events WHERE seq > ? ORDER BY seq`, since).toArray()
    return { reset: false, messages: rows.map((r) => toMessage(channel, r, JSON.parse(r.payload) as EventData)) }
  }

  /** Drops what is both outside the last 100 and older than 5 minutes, and anything past the cap. */
  prune(now = Date.now()) {
    this.sql.exec(`DELETE FROM events WHERE seq <= ? AND at < ?`, this.seq - REPLAY_MIN_EVENTS, now - REPLAY_MIN_AGE_MS)
    this.sql.exec(`DELETE FROM events WHERE seq <= ?`, this.seq - REPLAY_MAX_EVENTS)
  }
}

function toMessage(channel: string, r: Row, payload: EventData): ChannelMessage {
  return {
    id: r.seq,
    channel,
    event: r.event,
    payload,
    from: r.sender,
    at: new Date(r.at).toISOString(),
    ...(r.broadcast_id ? { broadcastId: r.broadcast_id } : {}),
  }
}
