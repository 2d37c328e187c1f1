import { eq } from 'drizzle-orm'
import type { MiddlewareHandler } from 'hono'
import { users, type UserRole } from '../db/schema'
import { ApiError } from './errors'
import { verifyAccessToken } from './tokens'
import type { AppEnv } from './types'

export type AuthUser = { id: string; email: string; name: string; role: UserRole }

/** The bearer token of the request: the Authorization header, or `access_token` for EventSource/WebSocket clients. */
export function bearerToken(c: Parameters<MiddlewareHandler<AppEnv>>[0], allowQuery = false) {
  const header = c.req.header('authorization')
  if (header) {
    const [scheme, token] = header.split(' ')
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw ApiError.unauthorized('Authorization must be "Bearer <token>"', 'INVALID_TOKEN')
    return token
  }
  return allowQuery ? c.req.query('access_token') : undefined
}

/**
 * Verifies the access token and loads the user, so a role change or a deleted account takes
 * effect on the very next request rather than when the token expires.
 */
export function requireAuth(opts: { allowQueryToken?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async function requireAuth(c, next) {
    const token = bearerToken(c, opts.allowQueryToken)
    if (!token) throw ApiError.unauthorized()
    const claims = await verifyAccessToken(c.get('config'), token)
    const [user] = await c
      .get('db')
      .select({ id: users.id, email: users.email, name: users.name, role: users.role })
      .from(users)
      .where(eq(users.id, claims.sub))
      .limit(1)
    if (!user) throw ApiError.unauthorized('User no longer exists', 'INVALID_TOKEN')
    c.set('user', user)
    await next()
  }
}

export function requireRole(...roles: UserRole[]): MiddlewareHandler<AppEnv> {
  return async function requireRole(c, next) {
    const user = c.get('user')
    if (!user) throw ApiError.unauthorized()
    if (!roles.includes(user.role)) throw ApiError.forbidden()
    await next()
  }
}
