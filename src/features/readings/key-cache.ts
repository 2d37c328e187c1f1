import { sha256Hex, timingSafeEqual } from '../../lib/crypto'
import type { DeviceContext } from '../alerts/transitions.service'

/** How long a device's key hash and cold cell rules are trusted before being read again. */
const AUTH_TTL_MS = 60_000

/** A device as Postgres has it, with its key hash (see loadDevice). */
export type DeviceWithKey = { device: DeviceContext; keyHash: string }

/**
 * One device's key hash, cold cell rules and customer, cached for a minute, so a steady stream of
 * readings costs no lookup. A mismatch re-reads them at once, so a new key works immediately.
 */
export class KeyCache {
  private entry: (DeviceWithKey & { at: number; key?: string }) | null = null

  /** Drops what is cached (key regenerated, device moved or deleted). */
  forget() {
    this.entry = null
  }

  /**
   * The device when `key` is its key; `lookup` reads it when the cache cannot tell. Unknown
   * serial, wrong key, another device's key: all null.
   */
  async check(key: string, lookup: () => Promise<DeviceWithKey | null>): Promise<DeviceContext | null> {
    const cached = this.entry && Date.now() - this.entry.at < AUTH_TTL_MS ? this.entry : null
    // The key that last matched is kept in memory, so a device's steady stream is not hashed each time.
    if (cached?.key !== undefined && timingSafeEqual(key, cached.key)) return cached.device
    const hash = await sha256Hex(key)
    if (cached && timingSafeEqual(hash, cached.keyHash)) {
      cached.key = key
      return cached.device
    }
    const found = await lookup()
    const matches = !!found && timingSafeEqual(hash, found.keyHash)
    this.entry = found ? { ...found, at: Date.now(), key: matches ? key : undefined } : null
    return matches ? found.device : null
  }
}
