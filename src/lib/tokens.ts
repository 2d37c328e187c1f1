import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import type { Config } from '../env'
import { sha256Hex } from './crypto'
import { ApiError } from './errors'

const ALG = 'HS256'
/** RFC 9068 access-token type; a refresh token (opaque) or any other JWT typ never passes. */
export const ACCESS_TOKEN_TYP = 'at+jwt'

type Key = { kid: string; key: CryptoKey }
const keyCache = new Map<string, Key>()

/**
 * The kid is a short digest of the secret, so rotating JWT_SECRET needs no extra config. The key
 * is imported once per isolate: given raw bytes, jose would import it again on every token. The key
 * is kept, never the promise: another request awaiting it could be dropped with its creator
 * (lib/rate-limit/leases.ts); concurrent first requests each import it.
 */
async function keyFor(secret: string) {
  const hit = keyCache.get(secret)
  if (hit) return hit
  const bytes = new TextEncoder().encode(secret)
  const [h, key] = await Promise.all([
    sha256Hex(secret),
    crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
  ])
  const made = { kid: h.slice(0, 16), key }
  keyCache.set(secret, made)
  return made
}

/** `sub` is the user id, `sid` the session (refresh-token family) the token was issued for. */
export type AccessClaims = { sub: string; sid: string }
/** Claims of a verified token, with its expiry (`exp`, seconds since the epoch). */
export type VerifiedClaims = AccessClaims & { exp: number }

export async function signAccessToken(config: Config, claims: AccessClaims) {
  const { kid, key } = await keyFor(config.JWT_SECRET)
  return new SignJWT({ sid: claims.sid })
    .setProtectedHeader({ alg: ALG, typ: ACCESS_TOKEN_TYP, kid })
    .setSubject(claims.sub)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .setExpirationTime(`${config.ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(key)
}

/** Verifies an access token; any failure is a 401 with INVALID_TOKEN or TOKEN_EXPIRED. */
export async function verifyAccessToken(config: Config, token: string): Promise<VerifiedClaims> {
  let kid: string | undefined
  try {
    kid = decodeProtectedHeader(token).kid
  } catch {
    throw ApiError.unauthorized('Malformed access token', 'INVALID_TOKEN')
  }
  const keys = await Promise.all([config.JWT_SECRET, ...config.JWT_PREVIOUS_SECRETS].map(keyFor))
  const match = keys.find((k) => k.kid === kid)
  if (!match) throw ApiError.unauthorized('Unknown signing key', 'INVALID_TOKEN')
  try {
    const { payload } = await jwtVerify(token, match.key, {
      algorithms: [ALG],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ['sub', 'exp', 'iat'],
    })
    const { sub, sid, exp } = payload
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number')
      throw new joseErrors.JWTClaimValidationFailed('claims', payload)
    return { sub, sid, exp }
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw ApiError.unauthorized('Access token expired', 'TOKEN_EXPIRED')
    throw ApiError.unauthorized('Invalid access token', 'INVALID_TOKEN')
  }
}
