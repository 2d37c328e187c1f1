const encoder = new TextEncoder()

export function toBase64Url(bytes: Uint8Array) {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function fromBase64Url(s: string) {
  const binary = atob(s.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0))
}

/** `bytes` of CSPRNG output as base64url. */
export function randomToken(bytes = 32) {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)))
}

export async function sha256Hex(input: string | Uint8Array) {
  const data = typeof input === 'string' ? encoder.encode(input) : input
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Compares in time that depends only on the length, never on where the inputs differ. */
export function timingSafeEqual(a: Uint8Array | string, b: Uint8Array | string) {
  const x = typeof a === 'string' ? encoder.encode(a) : a
  const y = typeof b === 'string' ? encoder.encode(b) : b
  let diff = x.length ^ y.length
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}

// Keys, never promises of keys: another request awaiting one could be dropped with its creator (lib/rate-limit/leases.ts).
const hmacKeys = new Map<string, Awaited<ReturnType<typeof crypto.subtle.importKey>>>()

/** HMAC-SHA256 of `data` under `secret`, base64url. Used to pepper short secrets (OTPs) and derive tokens. */
export async function hmacSha256(secret: string, data: string) {
  let key = hmacKeys.get(secret)
  if (!key) {
    key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ])
    hmacKeys.set(secret, key)
  }
  return toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(data))))
}

/** A uniformly random string of `digits` decimal digits (rejection sampling, no modulo bias). */
export function randomDigits(digits: number) {
  const max = 10 ** digits
  const limit = Math.floor(0x1_0000_0000 / max) * max
  const buf = new Uint32Array(1)
  do crypto.getRandomValues(buf)
  while (buf[0]! >= limit)
  return String(buf[0]! % max).padStart(digits, '0')
}
