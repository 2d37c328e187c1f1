import { presenceOf } from '../../features/realtime/hub.service'
import { wsFrame as frame, type Subscriber } from '../../features/realtime/protocol'
import { errorFields, log } from '../../lib/logger'
import { reportActivity } from '../hub-directory'
import type { HubMeta, TypingState } from './hub-state'
import type { Member, Members } from './members'
import type { HubSockets } from './sockets'

/** Who left: a socket's attachment, a stream, or a member row. */
type Leaving = Pick<Subscriber, 'clientId' | 'userId'>

type Parts = {
  env: Pick<Env, 'PRESENCE_HUB' | 'HUB_DIRECTORY'>
  meta: HubMeta
  members: Members
  typing: TypingState
  sockets: HubSockets
  channel: string
}

/**
 * Arrivals and departures on a channel hub, and who hears of them: the channel's sockets (presence
 * `join` on a user's first connection here, `leave` on the last, typing ended), the user's
 * PresenceHub (track/untrack) and the HubDirectory (idle↔active).
 */
export class Roster {
  constructor(private readonly p: Parts) {}

  /** Records a connection; true when it is its user's first on this channel. */
  add(sub: Subscriber, transport: Member['transport'], connectedAt: number) {
    const first = sub.userId !== null && this.p.members.countOf(sub.userId) === 0
    const { clientId, userId, sessionId, expiresAt } = sub
    this.p.members.add({ clientId, userId, transport, connectedAt, sessionId, expiresAt })
    return first
  }

  /** After the newcomer is greeted: the others hear the join (not `except`, the newcomer's socket). */
  async joined(sub: Subscriber, first: boolean, except?: WebSocket) {
    if (first) this.p.sockets.broadcast(frame('presence', { type: 'join', userId: sub.userId }), except)
    if (sub.userId) await this.tellPresence(sub.userId, (hub) => hub.track(sub.clientId, this.p.channel))
    await this.reportActivity()
  }

  /** `leave` for a stream that ended by itself: nobody awaits it, so a failure is only logged. */
  dropped(sub: Leaving) {
    this.leave(sub).catch((err: unknown) =>
      log('warn', 'hub leave failed', { channel: this.p.channel, ...errorFields(err) }),
    )
  }

  /** A connection ended (handled once however often it is reported): leave when it was the user's last here. */
  async leave(sub: Leaving) {
    if (!this.p.members.remove(sub.clientId)) return
    if (sub.userId && this.p.members.countOf(sub.userId) === 0) {
      this.p.typing.stop(sub.userId)
      this.p.sockets.broadcast(frame('presence', { type: 'leave', userId: sub.userId }))
    }
    if (sub.userId) await this.tellPresence(sub.userId, (hub) => hub.untrack([sub.clientId]))
    await this.reportActivity()
  }

  private reportActivity() {
    return reportActivity(this.p.env, this.p.meta, this.p.channel, this.p.members.count() > 0)
  }

  private async tellPresence(userId: string, call: (hub: ReturnType<typeof presenceOf>) => Promise<unknown>) {
    try {
      await call(presenceOf(this.p.env.PRESENCE_HUB, userId))
    } catch (err) {
      log('warn', 'presence update failed', { channel: this.p.channel, userId, ...errorFields(err) })
    }
  }
}
