import { Pool, neonConfig } from '@neondatabase/serverless'
import { drizzle } from 'drizzle-orm/neon-serverless'
import * as schema from './schema'

export type Database = ReturnType<typeof drizzle<typeof schema>>

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

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

/** Runs `fn` on a pool of its own, closed afterwards: for queue consumers, ticks and background work. */
export async function withDatabase<T>(opts: DbOptions, fn: (db: Database) => Promise<T>) {
  const { db, close } = createDb(opts)
  try {
    return await fn(db)
  } finally {
    await close()
  }
}
