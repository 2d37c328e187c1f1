import { eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { devices, type Device } from '../../db/schema'
import { randomToken, sha256Hex, timingSafeEqual } from '../../lib/crypto'

/** Device keys are 256 random bits, so a plain SHA-256 is enough (no password stretching needed). */
const PREFIX = 'odk_'

/** A new key, shown to the caller once; only its hash and a short prefix (to recognise it) are stored. */
export async function generateDeviceKey() {
  const key = `${PREFIX}${randomToken(32)}`
  return { key, keyHash: await sha256Hex(key), keyPrefix: key.slice(0, PREFIX.length + 6) }
}

/**
 * The device with this serial number when `key` is its key, else null. A key of another device,
 * an unknown serial and a wrong key are indistinguishable (and compared in constant time).
 */
export async function authenticateDevice(db: Database, serialNumber: string, key: string | undefined): Promise<Device | null> {
  if (!key || !key.startsWith(PREFIX) || key.length > 128) return null
  const [device] = await db.select().from(devices).where(eq(devices.serialNumber, serialNumber))
  const hash = await sha256Hex(key)
  // Compare against something even when the serial is unknown, so timing does not tell them apart.
  const ok = timingSafeEqual(hash, device?.keyHash ?? '0'.repeat(64))
  return ok && device ? device : null
}
