import { CLOSE, streamLine, type Close } from '../../features/realtime/protocol'
import { errorFields, log } from '../../lib/logger'
import type { Member, Members } from './members'
import type { Roster } from './roster'
import { attachment, close, type HubSockets } from './sockets'
import type { SseClients } from './sse-clients'

type Parts = { channel: string; members: Members; sockets: HubSockets; sse: SseClients; roster: Roster }

/**
 * How a hub ends connections itself, on both transports, saying why (CLOSE): idle sockets, tokens
 * that expired without an `auth` frame, and those a session's end or a revoked access names. The
 * close is synchronous, so nothing the hub publishes afterwards reaches them; the departures
 * (presence `leave`, the PresenceHub, the directory) follow.
 */
export class Closer {
  constructor(private readonly p: Parts) {}

  /** Closes these connections now; resolves when their departure is recorded. */
  end(members: Member[], why: Close) {
    const last = streamLine({ type: 'close', channel: this.p.channel, ...why })
    return Promise.all(
      members.map((m) => {
        for (const ws of this.p.sockets.ofClient(m.clientId)) close(ws, why.code, why.reason)
        this.p.sse.end(m.clientId, last)
        return this.p.roster.leave(m)
      }),
    )
  }

  /** Sockets silent for more than a minute (close code 4000). */
  async idle(now: number) {
    for (const ws of this.p.sockets.idle(now)) {
      close(ws, CLOSE.idle.code, CLOSE.idle.reason)
      await this.p.roster.leave(attachment(ws))
    }
  }

  /**
   * Connections whose access token expired by `now` and was not renewed (4002). Never rejects: the
   * publish path does not await it (the closes themselves are done when it returns).
   */
  async expire(now: number) {
    const next = this.p.members.nextExpiry()
    if (next === null || next > now) return
    await this.end(this.p.members.expired(now), CLOSE.tokenExpired).catch((err: unknown) =>
      log('warn', 'hub leave failed', { channel: this.p.channel, ...errorFields(err) }),
    )
  }
}
