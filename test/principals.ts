/**
 * Every kind of caller the authorization matrix tries: no credentials, bad credentials of each
 * sort, each role, a customer user of another tenant, and a device key.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { SignJWT } from 'jose'
import { sessions } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { sha256Hex } from '../src/lib/crypto'
import { seedDevice } from './coldchain-fixtures'
import { seedUser, withDb } from './helpers'

export const PRINCIPALS = [
  'anonymous',
  'expired',
  'revoked',
  'wrongKey',
  'device',
  'user',
  'moderator',
  'technician',
  'customer',
  'admin',
] as const
export type Principal = (typeof PRINCIPALS)[number]

/** What a principal sends: headers, and the user id behind it (if any). */
export type Credentials = { headers: Record<string, string>; userId?: string }

/** The 401 code each principal without valid credentials gets from a route that needs a user. */
export const REFUSED_AS: Partial<Record<Principal, string>> = {
  anonymous: 'UNAUTHORIZED',
  device: 'UNAUTHORIZED',
  expired: 'TOKEN_EXPIRED',
  revoked: 'INVALID_TOKEN',
  wrongKey: 'INVALID_TOKEN',
}

const config = loadConfig(env)

/** Signs an access token like the app's, with `claims` and `secret` changed. */
export async function forgeAccessToken(
  sub: string,
  sid: string,
  { claims = {}, secret = config.JWT_SECRET }: { claims?: Record<string, unknown>; secret?: string } = {},
) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    sub,
    sid,
    iss: config.JWT_ISSUER,
    aud: config.JWT_AUDIENCE,
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: (await sha256Hex(config.JWT_SECRET)).slice(0, 16) })
    .sign(new TextEncoder().encode(secret))
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Seeds one caller of each kind. The customer user belongs to a tenant of its own. */
export async function seedPrincipals(): Promise<{ principals: Record<Principal, Credentials>; serialNumber: string }> {
  const [user, moderator, technician, customer, admin, victim] = await Promise.all(
    ['user', 'moderator', 'technician', 'customer', 'admin', 'user'].map((role) => seedUser({ roles: [role] })),
  )
  const tenant = await seedDevice({ users: [customer!.user.id] })
  const revoked = await seedUser({ roles: ['admin'] })
  await withDb((db) => db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, revoked.sessionId)))
  const past = Math.floor(Date.now() / 1000) - 60
  const as = (u: Awaited<ReturnType<typeof seedUser>>) => ({ headers: bearer(u.token), userId: u.user.id })
  const principals = {
    anonymous: { headers: {} },
    expired: { headers: bearer(await forgeAccessToken(victim!.user.id, victim!.sessionId, { claims: { exp: past } })) },
    revoked: { headers: bearer(revoked.token), userId: revoked.user.id },
    wrongKey: {
      headers: bearer(
        await forgeAccessToken(victim!.user.id, victim!.sessionId, {
          secret: 'another-secret-at-least-32-bytes-long!!',
        }),
      ),
    },
    device: { headers: { 'x-device-key': tenant.key } },
    user: as(user!),
    moderator: as(moderator!),
    technician: as(technician!),
    customer: as(customer!),
    admin: as(admin!),
  }
  return { principals, serialNumber: tenant.serialNumber }
}
