import { Pool, neonConfig } from '@neondatabase/serverless'
import { drizzle } from 'drizzle-orm/neon-serverless'
import { LOCAL_HOSTS, type Config } from '../env'
import * as schema from './schema'

export type Database = ReturnType<typeof drizzle<typeof schema>>

/**
 * A local Postgres has no Neon WebSocket endpoint, so the driver goes through the dev proxy
 * (scripts/local-stack.ts) in plain ws. Neon hosts keep the driver's secure defaults.
 */
function useLocalProxy(proxy: string) {
  neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`
  neonConfig.useSecureWebSocket = false
  neonConfig.pipelineTLS = false
  neonConfig.pipelineConnect = false
}

export type DbOptions = {
  url: string
  wsProxy?: string
  connectTimeoutMs?: number
  /** How long an idle connection stays open; 0 keeps it until `close()` (for an owner that closes idle pools itself). */
  idleTimeoutMs?: number
}

/**
 * One pool per request or per Durable Object call: Workers cannot keep sockets across
 * requests, so the caller must `close()` it (through waitUntil) when done.
 */
export function createDb({ url, wsProxy, connectTimeoutMs = 5000, idleTimeoutMs }: DbOptions) {
  if (wsProxy && LOCAL_HOSTS.has(new URL(url).hostname)) useLocalProxy(wsProxy)
  const pool = new Pool({
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: idleTimeoutMs,
  })
  // An idle client losing its socket must not become an unhandled rejection.
  pool.on('error', () => {})
  const db = drizzle({ client: pool, schema })
  return { db, close: () => pool.end() }
}

/** What a pool on the app's own database needs from the config (the Worker's `env` fits too, in tests). */
export type DatabaseConfig = Pick<Config, 'DATABASE_URL' | 'DATABASE_WS_PROXY'>

/** `createDb` on the app's own database. */
export const databaseOf = (config: DatabaseConfig, opts: Omit<DbOptions, 'url' | 'wsProxy'> = {}) =>
  createDb({ url: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY, ...opts })

/** Runs `fn` on a pool of its own, closed afterwards: for queue consumers, ticks and background work. */
export async function withConfigDatabase<T>(config: DatabaseConfig, fn: (db: Database) => Promise<T>) {
  const { db, close } = databaseOf(config)
  try {
    return await fn(db)
  } finally {
    await close()
  }
}
