import { neon, neonConfig, Pool, type NeonQueryFunction } from '@neondatabase/serverless'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzleHttp, type NeonHttpDatabase } from 'drizzle-orm/neon-http'
import { drizzle as drizzlePool, type NeonDatabase } from 'drizzle-orm/neon-serverless'
import { LOCAL_HOSTS, type Config } from '../env'
import { withLeads } from './lead-statement'
import * as schema from './schema'

type Schema = typeof schema

/** What a query returns on either transport: its rows and the affected count. */
type QueryResult<Row> = { rows: Row[]; rowCount: number | null }
interface QueryResultHKT extends PgQueryResultHKT {
  type: QueryResult<this['row']>
}

/**
 * Queries on either transport: what nearly every service takes. It has no `transaction`, since
 * the HTTP transport has none; a service that needs one says which it needs.
 */
export type Database = Omit<PgDatabase<QueryResultHKT, Schema>, 'transaction'>

/** Neon's SQL over HTTP: one round trip per query, or per `batch([...])` (one transaction, no decisions in between). */
// Its `transaction` only throws ("No transactions support in neon-http driver"), so it is left out.
export type HttpDatabase = Omit<NeonHttpDatabase<Schema>, 'transaction'> & { $client: NeonQueryFunction<false, false> }

/** A WebSocket pool, for the few transactions that read, decide, then write (docs/decisions.md lists them). */
export type PoolDatabase = NeonDatabase<Schema> & { $client: Pool }

/** A transaction on a pool, as `PoolDatabase.transaction` hands it to its callback. */
export type Tx = Parameters<Parameters<PoolDatabase['transaction']>[0]>[0]

/**
 * A local Postgres has no Neon endpoint, so the driver goes through the dev proxy
 * (scripts/local-stack.ts), which speaks both of Neon's protocols on one port: WebSocket at `/v1`
 * and SQL over HTTP at `/sql`, in plain ws/http. Neon hosts keep the driver's secure defaults.
 */
function useLocalProxy(proxy: string) {
  neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`
  neonConfig.useSecureWebSocket = false
  neonConfig.pipelineTLS = false
  neonConfig.pipelineConnect = false
  neonConfig.fetchEndpoint = () => `http://${proxy}/sql`
}

export type DbOptions = {
  url: string
  wsProxy?: string
  connectTimeoutMs?: number
  /** How long an idle connection stays open; 0 keeps it until `close()` (for an owner that closes idle pools itself). */
  idleTimeoutMs?: number
}

const local = (url: string, wsProxy?: string) => {
  if (wsProxy && LOCAL_HOSTS.has(new URL(url).hostname)) useLocalProxy(wsProxy)
}

/**
 * A WebSocket pool. Workers cannot keep sockets across requests, so the caller must `close()` it
 * (through waitUntil) when done.
 */
export function createDb({ url, wsProxy, connectTimeoutMs = 5000, idleTimeoutMs }: DbOptions) {
  local(url, wsProxy)
  const pool = new Pool({
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: idleTimeoutMs,
  })
  // An idle client losing its socket must not become an unhandled rejection.
  pool.on('error', () => {})
  const db = drizzlePool({ client: pool, schema })
  return { db, close: () => pool.end() }
}

// One per URL and isolate: it holds no connection (Workers reuse the HTTP one across requests),
// and building drizzle's relational config on every request would cost more than the query.
const httpDatabases = new Map<string, HttpDatabase>()

/** Neon's HTTP transport on `url`. */
export function createHttpDb({ url, wsProxy }: Pick<DbOptions, 'url' | 'wsProxy'>): HttpDatabase {
  let db = httpDatabases.get(url)
  if (!db) {
    local(url, wsProxy)
    db = drizzleHttp({ client: withLeads(neon(url)), schema })
    httpDatabases.set(url, db)
  }
  return db
}

/** What the app's own database needs from the config (the Worker's `env` fits too, in tests). */
export type DatabaseConfig = Pick<Config, 'DATABASE_URL' | 'DATABASE_WS_PROXY'>

/** The HTTP transport on the app's own database. */
export const databaseOf = (config: DatabaseConfig) =>
  createHttpDb({ url: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY })

/** A WebSocket pool on the app's own database (`close()` it). */
export const poolOf = (config: DatabaseConfig, opts: Omit<DbOptions, 'url' | 'wsProxy'> = {}) =>
  createDb({ url: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY, ...opts })

/** Runs `fn` on a pool of its own, closed afterwards: for background work with an interactive transaction. */
export async function withPool<T>(config: DatabaseConfig, fn: (db: PoolDatabase) => Promise<T>) {
  const { db, close } = poolOf(config)
  try {
    return await fn(db)
  } finally {
    await close()
  }
}
