import type { Context, ExecutionContext, MiddlewareHandler, Next } from 'hono'
import { COMPOSED_HANDLER } from 'hono/utils/constants'
import { leadingWith, type LeadOutcome, type Statement } from '../db/lead-statement'
import { ApiError } from './errors'
import { can, grantFor } from './permissions'
import { verifyAccessToken, type AccessClaims, type VerifiedClaims } from './tokens'
import type { AppEnv, AuthEnv, Callers, Principal, Refetch } from './types'

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
export async function claimsOf(c: Context<AppEnv>, allowQuery = false): Promise<VerifiedClaims | undefined> {
  const cached = c.get('claims')
  if (cached) return cached
  const token = bearerToken(c, allowQuery)
  if (!token) return undefined
  const claims = await verifyAccessToken(c.get('config'), token)
  c.set('claims', claims)
  return claims
}

/**
 * Installs the caller queries (the rbac feature's) for `authenticate`, and the app for running a
 * request again. The app passes them in, so this module, like all of lib/, imports no feature.
 */
export function principals(callers: Callers, app: Refetch): MiddlewareHandler<AppEnv> {
  return async function principals(c, next) {
    c.set('callers', callers)
    c.set('app', app)
    await next()
  }
}

/**
 * Loads the caller of verified claims with its roles and permissions and keeps it as `user`, so a
 * role change, a revoked session or a deleted account takes effect on the very next request.
 */
export async function authenticate(c: Context<AppEnv>, claims: AccessClaims): Promise<Principal> {
  const principal = await c.get('callers').load(c.get('db'), claims)
  if (!principal) throw ApiError.unauthorized('Session is no longer valid', 'INVALID_TOKEN')
  c.set('user', principal)
  return principal
}

// Reads run on a remembered caller; a stream outlives its request, so it never does.
const READS = new Set(['GET', 'HEAD'])
// Requests run again for a caller that changed: they load it, so a caller changing on every
// request cannot loop.
const rerun = new WeakSet<Request>()

/** Whether the remembered caller's proof holds, when the route sent nothing to carry it. */
async function proveAlone(c: Context<AppEnv>, proof: Statement): Promise<LeadOutcome> {
  try {
    await c.get('db').$client.query(proof.sql, proof.params)
    return 'passed'
  } catch (err) {
    if (c.get('callers').isStale(err)) return 'failed'
    throw err
  }
}

/**
 * A read by a caller this isolate has loaded before costs one round trip, not two: the route runs
 * on the remembered caller, and its first statement goes to Postgres in one transaction behind the
 * caller's proof. When the proof fails (signed out, roles or profile changed), nothing the route
 * sent after it ran, its response is dropped, and the request runs again on the caller as it is now.
 */
async function onRemembered(c: Context<AppEnv>, next: Next, claims: AccessClaims) {
  const callers = c.get('callers')
  const known = callers.recall(claims)
  if (!known) {
    await authenticate(c, claims)
    return next()
  }
  c.set('user', known.principal)
  let outcome = await leadingWith(known.proof, callers.isStale, next)
  if (outcome === 'unsent') outcome = await proveAlone(c, known.proof)
  if (outcome === 'passed') return
  callers.forget(claims)
  c.res = undefined // what the route answered is not merged into what comes next
  await authenticate(c, claims)
  const again = new Request(c.req.raw)
  rerun.add(again)
  let ctx: ExecutionContext | undefined
  try {
    ctx = c.executionCtx
  } catch {
    // app.request in tests has no ExecutionContext
  }
  c.res = await c.get('app').fetch(again, c.env, ctx)
}

// The middleware requireAuth() made, so the OpenAPI document can tell signed-in routes from public ones.
const authGates = new WeakSet<object>()

/**
 * Whether `handler` is a `requireAuth()` middleware, as listed in `app.routes`: hono wraps the handlers of a router
 * mounted with its own error handler, keeping the original under COMPOSED_HANDLER.
 */
export function isAuthGate(handler: unknown): boolean {
  for (let h = handler; typeof h === 'function'; h = (h as { [COMPOSED_HANDLER]?: unknown })[COMPOSED_HANDLER]) {
    if (authGates.has(h)) return true
  }
  return false
}

/**
 * A 401 without a valid token, else the caller is loaded. Routes that list it in their middleware
 * get handlers typed with `AuthEnv`, in which `c.get('user')` is always set.
 */
export function requireAuth(opts: { allowQueryToken?: boolean } = {}): MiddlewareHandler<AuthEnv> {
  async function requireAuth(c: Context<AppEnv>, next: Next) {
    const claims = await claimsOf(c, opts.allowQueryToken)
    if (!claims) throw ApiError.unauthorized()
    if (!opts.allowQueryToken && READS.has(c.req.method) && !rerun.has(c.req.raw)) {
      return onRemembered(c, next, claims)
    }
    await authenticate(c, claims)
    await next()
  }
  authGates.add(requireAuth)
  // The one place AuthEnv is asserted: nothing after this middleware runs unless `user` was set.
  return requireAuth as MiddlewareHandler<AuthEnv>
}

// requireRole and requirePermission add nothing to the handler's type: only requireAuth makes a
// route's `user` required. Types cannot see the order middleware is listed in either, so each
// still answers 401 when it runs without a caller rather than failing on `undefined`.

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
export function authorize(c: Context<AuthEnv>, resource: string, action: string, ownerId: string, what = 'Resource') {
  const user = c.get('user')
  if (can(user.permissions, user.id, resource, action, ownerId)) return user
  if (can(user.permissions, user.id, resource, 'read', ownerId)) throw ApiError.forbidden()
  throw ApiError.notFound(what)
}

/**
 * `requireAuth()` then checks that need its caller (`requireRole`, `requirePermission`), as the
 * tuple zod-openapi reads a route's middleware from (a named `[…] as const` is readonly, which
 * `createRoute` refuses), so the route's handlers are typed with `AuthEnv`.
 */
export function authed<const M extends MiddlewareHandler<AppEnv>[]>(...checks: M): [MiddlewareHandler<AuthEnv>, ...M] {
  return [requireAuth(), ...checks]
}
