import { DurableObject } from 'cloudflare:workers'

export type LastReading = { timestamp: string; temperature: number }

/**
 * One object per device. The cold-chain issue adds thresholds, alert state and the offline
 * alarm; for now it holds the device's last reading.
 */
export class DeviceMonitor extends DurableObject<Env> {
  async recordReading(reading: LastReading) {
    const last = await this.ctx.storage.get<LastReading>('last')
    if (!last || last.timestamp < reading.timestamp) await this.ctx.storage.put('last', reading)
    return (await this.ctx.storage.get<LastReading>('last')) ?? reading
  }

  async lastReading() {
    return (await this.ctx.storage.get<LastReading>('last')) ?? null
  }
}
