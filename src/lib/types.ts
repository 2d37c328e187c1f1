import type { RouteConfig, RouteHandler } from '@hono/zod-openapi'
import type { Config } from '../env'
import type { Database } from '../db/client'
import type { Principal } from '../features/rbac/access.service'
import type { AccessClaims } from './tokens'

/** Hono environment shared by every router: bindings plus per-request variables. */
export type AppEnv = {
  Bindings: Env
  Variables: {
    requestId: string
    traceId?: string
    config: Config
    db: Database
    claims?: AccessClaims
    user?: Principal
  }
}

/** A handler typed by its route definition. */
export type Handler<R extends RouteConfig> = RouteHandler<R, AppEnv>
