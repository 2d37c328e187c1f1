import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import { findTargetHandler } from 'hono/utils/handler'
import type { AppEnv } from '../types'

/**
 * A route lists this in its `middleware` to stay out of the API-wide limit. It does nothing when it
 * runs: the limiter runs before any route's middleware, so it looks for this one among the handlers
 * the request matched (as hono's methodNotAllowed finds its routes).
 */
export const exemptFromApiLimit: MiddlewareHandler<AppEnv> = async function exemptFromApiLimit(_c, next) {
  await next()
}

/** True when the matched route declared `exemptFromApiLimit`; mounted routers wrap handlers, hence the unwrapping. */
export const isExemptFromApiLimit = (c: Context<AppEnv>) =>
  matchedRoutes(c).some((route) => findTargetHandler(route.handler) === exemptFromApiLimit)
