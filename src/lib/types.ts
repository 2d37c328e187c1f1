import type { Config } from '../env'
import type { Database } from '../db/client'
import type { AuthUser } from './auth'

/** Hono environment shared by every router: bindings plus per-request variables. */
export type AppEnv = {
  Bindings: Env
  Variables: {
    requestId: string
    traceId?: string
    config: Config
    db: Database
    user?: AuthUser
  }
}
