import { fromBase64Url, timingSafeEqual, toBase64Url } from './crypto'

/**
 * PBKDF2-HMAC-SHA256 at 100,000 iterations: the most WebCrypto allows inside Workers
 * (workerd#1346). The hash string is versioned (`pbkdf2-sha256$<iterations>$<salt>$<hash>`)
 * so a change of parameters rehashes on the next login.
 */
export const PASSWORD_PARAMS = {
  algorithm: 'pbkdf2-sha256',
  iterations: 100_000,
  saltBytes: 16,
  hashBytes: 32,
} as const

async function derive(password: string, salt: Uint8Array, iterations: number, bytes: number) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, bytes * 8)
  return new Uint8Array(bits)
}

export async function hashPassword(password: string) {
  const { algorithm, iterations, saltBytes, hashBytes } = PASSWORD_PARAMS
  const salt = crypto.getRandomValues(new Uint8Array(saltBytes))
  const hash = await derive(password, salt, iterations, hashBytes)
  return `${algorithm}$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`
}

/** `needsRehash` is true when the stored hash used other parameters than today's. */
export async function verifyPassword(password: string, stored: string) {
  const [algorithm, iter, salt, hash] = stored.split('$')
  const iterations = Number(iter)
  if (
    algorithm !== PASSWORD_PARAMS.algorithm ||
    !salt ||
    !hash ||
    !Number.isInteger(iterations) ||
    iterations < 1 ||
    iterations > PASSWORD_PARAMS.iterations
  ) {
    return { valid: false, needsRehash: false }
  }
  const expected = fromBase64Url(hash)
  const actual = await derive(password, fromBase64Url(salt), iterations, expected.length)
  const valid = timingSafeEqual(actual, expected)
  return { valid, needsRehash: valid && iterations !== PASSWORD_PARAMS.iterations }
}
