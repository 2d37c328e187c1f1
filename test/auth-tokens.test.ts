import { env } from 'cloudflare:workers'
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/env'
import { sha256Hex, toBase64Url } from '../src/lib/crypto'
import { api, error, seedUser } from './helpers'

const config = loadConfig(env)
const secret = new TextEncoder().encode(config.JWT_SECRET)
const kidOf = async (s: string) => (await sha256Hex(s)).slice(0, 16)

type Forge = { header?: Record<string, unknown>; claims?: Record<string, unknown>; key?: Uint8Array; omit?: string[] }

/** Signs a token like ours, with one thing changed. */
async function forge(sub: string, sid: string, f: Forge = {}) {
  const claims: Record<string, unknown> = {
    sub,
    sid,
    iss: config.JWT_ISSUER,
    aud: config.JWT_AUDIENCE,
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 300,
    ...f.claims,
  }
  for (const k of f.omit ?? []) delete claims[k]
  const header = { alg: 'HS256', typ: 'at+jwt', kid: await kidOf(config.JWT_SECRET), ...f.header }
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(f.key ?? secret)
}

const flip = (s: string) => s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.slice(-1)

describe('the bad-token corpus: every mutation is refused on an authenticated route', async () => {
  const victim = await seedUser({ roles: ['admin'] })
  const { id: sub } = victim.user
  const sid = victim.sessionId
  const good = await forge(sub, sid)
  const [h, p, s] = good.split('.') as [string, string, string]
  const otherKey = new TextEncoder().encode('another-secret-that-is-also-32-bytes-long!')

  const corpus: [string, () => Promise<string> | string][] = [
    [
      'alg none',
      () =>
        new UnsecuredJWT({ sid })
          .setSubject(sub)
          .setIssuer(config.JWT_ISSUER)
          .setAudience(config.JWT_AUDIENCE)
          .setExpirationTime('5m')
          .encode(),
    ],
    ['alg swapped to HS512', () => forge(sub, sid, { header: { alg: 'HS512' } })],
    ['wrong audience', () => forge(sub, sid, { claims: { aud: 'someone-else' } })],
    ['wrong issuer', () => forge(sub, sid, { claims: { iss: 'evil' } })],
    ['typ JWT instead of at+jwt', () => forge(sub, sid, { header: { typ: 'JWT' } })],
    ['no typ', () => forge(sub, sid, { header: { typ: undefined } })],
    ['expired', () => forge(sub, sid, { claims: { exp: Math.floor(Date.now() / 1000) - 5 } })],
    [
      'not yet valid (nbf in the future)',
      () => forge(sub, sid, { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }),
    ],
    ['signed with another secret under our kid', () => forge(sub, sid, { key: otherKey })],
    ['unknown kid', () => forge(sub, sid, { header: { kid: 'deadbeefdeadbeef' } })],
    ['no kid', () => forge(sub, sid, { header: { kid: undefined } })],
    [
      'payload swapped for another user',
      async () =>
        `${h}.${toBase64Url(new TextEncoder().encode(JSON.stringify({ ...JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/'))), sub: crypto.randomUUID() })))}.${s}`,
    ],
    ['signature flipped', () => flip(good)],
    ['signature stripped', () => `${h}.${p}.`],
    ['missing sid', () => forge(sub, sid, { omit: ['sid'] })],
    ['missing exp', () => forge(sub, sid, { omit: ['exp'] })],
    ['a refresh token used as an access token', () => victim.refreshToken],
    ['garbage', () => 'not-a-token'],
    ['a session that does not exist', () => forge(sub, crypto.randomUUID())],
  ]

  it.each(corpus)('%s → 401', async (_name, make) => {
    const res = await api('/api/v1/auth/me', { token: await make() })
    expect(res.status).toBe(401)
    expect(['INVALID_TOKEN', 'TOKEN_EXPIRED']).toContain(error(res).code)
  })

  it('accepts the unmutated token (the corpus is not failing for another reason)', async () => {
    expect((await api('/api/v1/auth/me', { token: good })).status).toBe(200)
  })

  it('answers TOKEN_EXPIRED, specifically, for an expired token', async () => {
    const res = await api('/api/v1/auth/me', {
      token: await forge(sub, sid, { claims: { exp: Math.floor(Date.now() / 1000) - 5 } }),
    })
    expect(error(res).code).toBe('TOKEN_EXPIRED')
  })

  it('refuses a non-Bearer Authorization scheme', async () => {
    const res = await api('/api/v1/auth/me', { headers: { authorization: `Basic ${btoa('a:b')}` } })
    expect(error(res).code).toBe('INVALID_TOKEN')
  })
})
