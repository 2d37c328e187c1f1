import type { Context, MiddlewareHandler } from 'hono'
import { ApiError } from '../../lib/errors'
import { can, grantFor } from '../../lib/permissions'
import { verifyAccessToken, type AccessClaims } from '../../lib/tokens'
import type { AppEnv } from '../../lib/types'
import { loadPrincipal } from '../rbac/access.service'

/** The bearer token: the Authorization header, or `access_token` for EventSource/WebSocket clients. */
export function bearerToken(c: Context<AppEnv>, allowQuery = false) {
  const header = c.req.header('authorization')
  if (header) {
    const [scheme, token, extra] = header.split(' ')
    if (scheme?.toLowerCase() !== 'bearer' || !token || extra !== undefined) {
      throw ApiError.unauthorized('Authorization must be "Bearer <token>"', 'INVALID_TOKEN')
    }
    return token
  }
  return allowQuery ? c.req.query('access_token') : undefined
}

/** Verified claims of the request's token, verified at most once per request. */
export async function claimsOf(c: Context<AppEnv>, allowQuery = false): Promise<AccessClaims | undefined> {
  const cached = c.get('claims')
  if (cached) return cached
  const token = bearerToken(c, allowQuery)
  if (!token) return undefined
  const claims = await verifyAccessToken(c.get('config'), token)
  c.set('claims', claims)
  return claims
}

/**
 * Verifies the access token and loads the caller with its roles and permissions, so a role
 * change, a revoked session or a deleted account takes effect on the very next request.
 */
export function requireAuth(opts: { allowQueryToken?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async function requireAuth(c, next) {
    const claims = await claimsOf(c, opts.allowQueryToken)
    if (!claims) throw ApiError.unauthorized()
    const principal = await loadPrincipal(c.get('db'), claims)
    if (!principal) throw ApiError.unauthorized('Session is no longer valid', 'INVALID_TOKEN')
    c.set('user', principal)
    await next()
  }
}

export function requireRole(...roles: string[]): MiddlewareHandler<AppEnv> {
  return async function requireRole(c, next) {
    const user = c.get('user')
    if (!user) throw ApiError.unauthorized()
    if (!roles.some((r) => user.roles.includes(r))) throw ApiError.forbidden()
    await next()
  }
}

/**
 * Passes with the full permission, or (unless `own: false`) with its `_own` form, in which case
 * the handler checks the record's owner with `authorize`.
 */
export function requirePermission(
  resource: string,
  action: string,
  opts: { own?: boolean } = {},
): MiddlewareHandler<AppEnv> {
  return async function requirePermission(c, next) {
    const user = c.get('user')
    if (!user) throw ApiError.unauthorized()
    const grant = grantFor(user.permissions, resource, action)
    if (grant === 'none' || (grant === 'own' && opts.own === false)) throw ApiError.forbidden()
    await next()
  }
}

/**
 * Ownership check for one record. A caller who may not even read the record gets 404, so ids
 * of other people's records reveal nothing; one who may read it but not do this gets 403.
 */
export function authorize(c: Context<AppEnv>, resource: string, action: string, ownerId: string, what = 'Resource') {
  const user = c.get('user')
  if (!user) throw ApiError.unauthorized()
  if (can(user.permissions, user.id, resource, action, ownerId)) return user
  if (can(user.permissions, user.id, resource, 'read', ownerId)) throw ApiError.forbidden()
  throw ApiError.notFound(what)
}

export const isAdmin = (c: Context<AppEnv>) => c.get('user')?.roles.includes('admin') ?? false
