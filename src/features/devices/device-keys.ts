import { randomToken, sha256Hex } from '../../lib/crypto'

/** Device keys are 256 random bits, so a plain SHA-256 is enough (no password stretching needed). */
const PREFIX = 'odk_'

/** A new key, shown to the caller once; only its hash and a short prefix (to recognise it) are stored. */
export async function generateDeviceKey() {
  const key = `${PREFIX}${randomToken(32)}`
  return { key, keyHash: await sha256Hex(key), keyPrefix: key.slice(0, PREFIX.length + 6) }
}
