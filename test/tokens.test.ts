import { env } from 'cloudflare:workers'
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../src/env'
import { hashPassword, PASSWORD_PARAMS, verifyPassword } from '../src/lib/password'
import { signAccessToken, verifyAccessToken } from '../src/lib/tokens'
import { sha256Hex } from '../src/lib/crypto'

const config = loadConfig(env)
const claims = { sub: '5b0e0a55-5d4e-4c3b-9d3e-2f1b1a0c9e11', sid: '0f6d3c1e-8a57-4d3b-a1f4-6b9e2c7d5a10' }
const secret = new TextEncoder().encode(config.JWT_SECRET)
const kid = (s: string) => sha256Hex(s).then((h) => h.slice(0, 16))

async function codeOf(token: string, cfg: Config = config) {
  try {
    await verifyAccessToken(cfg, token)
    return 'valid'
  } catch (err) {
    return (err as { code: string }).code
  }
}

const forge = async (edit: (jwt: SignJWT) => SignJWT, header: Record<string, string> = {}) =>
  edit(
    new SignJWT({ sid: claims.sid }).setProtectedHeader({
      alg: 'HS256',
      typ: 'at+jwt',
      kid: await kid(config.JWT_SECRET),
      ...header,
    }),
  )
    .setSubject(claims.sub)
    .setIssuedAt()
    .sign(secret)

describe('access tokens', () => {
  it('round-trips sub and role, with the expiry', async () => {
    const verified = await verifyAccessToken(config, await signAccessToken(config, claims))
    expect(verified).toEqual({ ...claims, exp: expect.any(Number) })
  })

  it('rejects alg none', async () => {
    const token = new UnsecuredJWT({ sid: claims.sid })
      .setSubject(claims.sub)
      .setIssuer(config.JWT_ISSUER)
      .setAudience(config.JWT_AUDIENCE)
      .setExpirationTime('5m')
      .encode()
    expect(await codeOf(token)).toBe('INVALID_TOKEN')
  })

  it('rejects another algorithm even with the right key', async () => {
    const token = await forge(
      (j) => j.setIssuer(config.JWT_ISSUER).setAudience(config.JWT_AUDIENCE).setExpirationTime('5m'),
      { alg: 'HS512' },
    )
    expect(await codeOf(token)).toBe('INVALID_TOKEN')
  })

  it('rejects the wrong audience, issuer or typ', async () => {
    const ok = (j: SignJWT) => j.setIssuer(config.JWT_ISSUER).setAudience(config.JWT_AUDIENCE).setExpirationTime('5m')
    expect(await codeOf(await forge(ok))).toBe('valid')
    expect(await codeOf(await forge((j) => ok(j).setAudience('someone-else')))).toBe('INVALID_TOKEN')
    expect(await codeOf(await forge((j) => ok(j).setIssuer('evil')))).toBe('INVALID_TOKEN')
    expect(await codeOf(await forge(ok, { typ: 'refresh+jwt' }))).toBe('INVALID_TOKEN')
  })

  it('answers TOKEN_EXPIRED for an expired token', async () => {
    const token = await forge((j) =>
      j
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 10),
    )
    expect(await codeOf(token)).toBe('TOKEN_EXPIRED')
  })

  it('rejects a tampered payload', async () => {
    const [h, , s] = (await signAccessToken(config, claims)).split('.')
    const payload = btoa(
      JSON.stringify({
        sub: '00000000-0000-4000-8000-000000000000',
        sid: claims.sid,
        iss: config.JWT_ISSUER,
        aud: config.JWT_AUDIENCE,
        exp: 9e9,
        iat: 1,
      }),
    ).replace(/=+$/, '')
    expect(await codeOf(`${h}.${payload}.${s}`)).toBe('INVALID_TOKEN')
  })

  it('rejects an opaque (refresh-style) token', async () => {
    expect(await codeOf('dGhpcyBpcyBub3QgYSBqd3Q')).toBe('INVALID_TOKEN')
  })

  it('still verifies tokens of a previous secret during rotation, selected by kid', async () => {
    const old = await signAccessToken(config, claims)
    const rotated = loadConfig({
      ...env,
      JWT_SECRET: 'a-brand-new-secret-of-at-least-32-bytes!',
      JWT_PREVIOUS_SECRETS: env.JWT_SECRET,
    } as Env)
    expect(await codeOf(old, rotated)).toBe('valid')
    const dropped = loadConfig({
      ...env,
      JWT_SECRET: 'a-brand-new-secret-of-at-least-32-bytes!',
      JWT_PREVIOUS_SECRETS: '',
    } as Env)
    expect(await codeOf(old, dropped)).toBe('INVALID_TOKEN')
  })
})

describe('password hashing', () => {
  it('pins PBKDF2-SHA256 at the Workers cap of 100,000 iterations in a versioned string', async () => {
    expect(PASSWORD_PARAMS).toEqual({ algorithm: 'pbkdf2-sha256', iterations: 100_000, saltBytes: 16, hashBytes: 32 })
    expect(await hashPassword('a long enough password')).toMatch(/^pbkdf2-sha256\$100000\$[\w-]{22}\$[\w-]{43}$/)
  })

  it('verifies the right password only', async () => {
    const hash = await hashPassword('a long enough password')
    expect(await verifyPassword('a long enough password', hash)).toEqual({ valid: true, needsRehash: false })
    expect(await verifyPassword('a long enough passwore', hash)).toEqual({ valid: false, needsRehash: false })
  })

  it('asks for a rehash when the stored parameters are older', async () => {
    const current = await hashPassword('pw-1234567890')
    const [, , salt] = current.split('$')
    // Re-derive the same password at fewer iterations, as an older version would have stored it.
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw-1234567890'), 'PBKDF2', false, [
      'deriveBits',
    ])
    const { fromBase64Url, toBase64Url } = await import('../src/lib/crypto')
    const bits = await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt: fromBase64Url(salt!), iterations: 50_000 },
      key,
      256,
    )
    const legacy = `pbkdf2-sha256$50000$${salt}$${toBase64Url(new Uint8Array(bits))}`
    expect(await verifyPassword('pw-1234567890', legacy)).toEqual({ valid: true, needsRehash: true })
  })

  it('rejects unknown formats', async () => {
    expect((await verifyPassword('x', 'bcrypt$10$abc')).valid).toBe(false)
  })
})
