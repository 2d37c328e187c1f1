import { DurableObject } from 'cloudflare:workers'
import { hubFor } from '../features/realtime/hub.service'
import type { Close } from '../features/realtime/protocol'
import type { ConnectionFilter } from './hub/members'
import { ONLINE_RECHECK_MS, OnlineRegistry } from './hub/online-registry'

/**
 * One object per user (`idFromName(userId)`): every connection the user holds, on any channel and
 * either transport, so "is this user online" is one call however many tabs and channels are open,
 * and ending a session or deleting the account can close them all. Channel hubs report each join
 * and leave here.
 */
export class PresenceHub extends DurableObject<Env> {
  private readonly online = new OnlineRegistry(this.ctx.storage.sql)

  /** Records that the user holds `clientId` on `channel`. */
  async track(clientId: string, channel: string) {
    this.online.track(clientId, channel)
  }

  async untrack(clientIds: string[]) {
    this.online.untrack(clientIds)
  }

  /**
   * How many connections the user holds across all channels. Entries not confirmed for a minute are
   * first checked with the hubs holding them, so a close that was never reported (a hub reset) does
   * not count forever; a hub that does not answer is trusted.
   */
  async presence() {
    for (const [channel, ids] of this.online.byChannel(Date.now() - ONLINE_RECHECK_MS)) {
      const live = await hubFor(this.env.CHANNEL_HUB, channel)
        .liveClients(ids)
        .catch(() => ids)
      this.online.untrack(ids.filter((id) => !live.includes(id)))
      this.online.confirm(live)
    }
    const connections = this.online.count()
    return { online: connections > 0, connections }
  }

  /** The channels the user holds connections on (whose access a role or link change re-checks). */
  async channels() {
    return [...this.online.byChannel().keys()]
  }

  /**
   * Closes, on every channel the user is on, the connections `filter` names (the user's, or some
   * sessions'), telling each client `why`; answered once every hub has closed them. Returns how
   * many channels were asked.
   */
  async closeConnections(filter: ConnectionFilter, why: Close) {
    const channels = await this.channels()
    await Promise.allSettled(channels.map((ch) => hubFor(this.env.CHANNEL_HUB, ch).closeConnections(filter, why)))
    return channels.length
  }
}
