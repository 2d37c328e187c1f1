import { DurableObject } from 'cloudflare:workers'

/**
 * One object per realtime channel. The realtime issue adds hibernatable WebSockets, SSE,
 * presence and replay; for now it keeps the channel's last event id so publishing is real.
 */
export class ChannelHub extends DurableObject<Env> {
  async publish(event: string, data: Record<string, string | number | boolean | null>) {
    const id = ((await this.ctx.storage.get<number>('seq')) ?? 0) + 1
    await this.ctx.storage.put('seq', id)
    return { id, event, data }
  }

  async lastEventId() {
    return (await this.ctx.storage.get<number>('seq')) ?? 0
  }
}
