import type { RouteConfig, RouteConfigToEnv, RouteHandler } from '@hono/zod-openapi'
import type { ExecutionContext } from 'hono'
import type { Config } from '../env'
import type { Database, HttpDatabase, PoolDatabase } from '../db/client'
import type { Statement } from '../db/lead-statement'
import type { AccessClaims, VerifiedClaims } from './tokens'

/** The authenticated caller, as every handler sees it. */
export type Principal = {
  id: string
  email: string
  name: string
  emailVerified: boolean
  sessionId: string
  roles: string[]
  permissions: string[]
}

/** How requireAuth finds the caller of verified claims; the rbac feature owns the queries. */
export type Callers = {
  /** Loads the caller from Postgres (null when the user or the session is gone) and remembers it. */
  load: (db: Database, claims: AccessClaims) => Promise<Principal | null>
  /** The caller remembered for the claims, with a statement that fails (`isStale`) unless it is still current. */
  recall: (claims: AccessClaims) => { principal: Principal; proof: Statement } | undefined
  forget: (claims: AccessClaims) => void
  isStale: (err: unknown) => boolean
}

/** What requireAuth needs of the app to run a request again: its `fetch`. */
export type Refetch = { fetch: (req: Request, env: Env, ctx?: ExecutionContext) => Response | Promise<Response> }

/** Hono environment shared by every router: bindings plus per-request variables. */
export type AppEnv = {
  Bindings: Env
  Variables: {
    requestId: string
    traceId?: string
    config: Config
    /** Neon's HTTP transport: every query and non-interactive batch. */
    db: HttpDatabase
    /** A WebSocket pool, opened on first use: only for transactions that read, decide, then write. */
    pool: PoolDatabase
    // Provided by the app, so that lib/auth.ts does not import the rbac feature that owns the queries.
    callers: Callers
    app: Refetch
    claims?: VerifiedClaims
    user?: Principal
  }
}

/**
 * The environment behind `requireAuth()`: the caller is always there. Hono's Context is invariant
 * in its env, so a helper called from public and signed-in routes alike reads through
 * `<E extends AppEnv>(c: Context<E>)`, and one only signed-in routes call takes `Context<AuthEnv>`.
 */
export type AuthEnv = { Bindings: Env; Variables: AppEnv['Variables'] & { user: Principal } }

/**
 * A handler typed by its route definition, with what the route's middleware adds: behind
 * `requireAuth()`, `c.get('user')` is a `Principal`.
 */
export type Handler<R extends RouteConfig> = RouteHandler<R, AppEnv & RouteConfigToEnv<R>>
