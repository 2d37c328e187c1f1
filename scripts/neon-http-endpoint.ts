/**
 * Neon's SQL-over-HTTP endpoint (`POST /sql`, what `neon()` of @neondatabase/serverless and
 * drizzle-orm/neon-http send), served from warm `pg` pools so the Worker's HTTP path runs unchanged
 * against the local Postgres. It follows Neon's proxy (neondatabase/neon,
 * proxy/src/serverless/sql_over_http.rs): the same body, headers, response, statuses and error JSON.
 * Not implemented: typed JSON output (the driver always asks for raw text), JWT auth, query
 * cancellation on disconnect. Runs in Node (scripts/local-stack.ts), never inside workerd.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import pg from 'pg'
import { HttpError, MAX_BYTES, type Options, type Query, readRequest } from './neon-http-request'

export type NeonHttpEndpoint = {
  handle: (req: IncomingMessage, res: ServerResponse) => void
  close: () => Promise<void>
}

// Every value stays Postgres text, so the driver's own type parsers apply, as with Neon.
const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig
// What Neon's error JSON carries besides message and code: the driver copies them onto NeonDbError.
const DB_ERROR_FIELDS = [
  ...['detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'severity', 'where', 'table'],
  ...['column', 'schema', 'dataType', 'constraint', 'file', 'line', 'routine'],
] as const

/** One statement, in node-postgres' result shape as Neon's proxy answers it. */
async function run(client: pg.PoolClient, q: Query, defaultArrayMode: boolean) {
  const arrayMode = q.arrayMode ?? defaultArrayMode
  // queryMode 'extended' (one statement, as Neon's query_raw_txt) is not in @types/pg.
  const config = {
    text: q.query,
    values: q.params,
    types: rawText,
    queryMode: 'extended',
    ...(arrayMode ? { rowMode: 'array' } : {}),
  } as pg.QueryConfig
  const r = await client.query(config)
  return {
    command: r.command ?? '',
    rowCount: r.rowCount,
    rows: r.rows,
    fields: r.fields.map((f) => ({
      name: f.name,
      dataTypeID: f.dataTypeID,
      tableID: f.tableID,
      columnID: f.columnID,
      dataTypeSize: f.dataTypeSize,
      dataTypeModifier: f.dataTypeModifier,
      format: 'text',
    })),
    rowAsArray: arrayMode,
  }
}

/** A non-interactive batch: one transaction with the requested mode, rolled back whole on any error. */
async function runBatch(client: pg.PoolClient, queries: Query[], o: Options) {
  const modes = [
    o.isolation && `isolation level ${o.isolation}`,
    o.readOnly && 'read only',
    o.deferrable && 'deferrable',
  ].filter(Boolean)
  await client.query(`start transaction ${modes.join(', ')}`)
  try {
    const results = []
    for (const q of queries) results.push(await run(client, q, o.arrayMode))
    await client.query('commit')
    return { results }
  } catch (err) {
    // A failed rollback leaves the connection outside idle, so it is not reused (see `release`).
    await client.query('rollback').catch(() => {})
    throw err
  }
}

/** Neon echoes a batch's transaction mode in the response headers. */
const echoMode = (o: Options): Record<string, string> => ({
  ...(o.level ? { 'neon-batch-isolation-level': o.level } : {}),
  ...(o.readOnly ? { 'neon-batch-read-only': 'true' } : {}),
  ...(o.deferrable ? { 'neon-batch-deferrable': 'true' } : {}),
})

function errorJson(err: unknown): { status: number; body: Record<string, unknown> } {
  const body: Record<string, unknown> = { message: err instanceof Error ? err.message : String(err), code: '' }
  for (const field of DB_ERROR_FIELDS) body[field] = null
  if (err instanceof pg.DatabaseError) {
    body.code = err.code ?? ''
    for (const field of DB_ERROR_FIELDS) body[field] = err[field] ?? null
    return { status: 400, body }
  }
  return { status: err instanceof HttpError ? err.status : 500, body }
}

/** The endpoint, with one pool per connection string (each test file has its own database). */
export function createNeonHttpEndpoint({ max = 10, idleTimeoutMs = 10_000 } = {}): NeonHttpEndpoint {
  const pools = new Map<string, pg.Pool>()
  const poolFor = (url: string) => {
    let pool = pools.get(url)
    if (!pool) {
      pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: idleTimeoutMs })
      // An idle connection dropped by Postgres (database dropped, server stopping) is not fatal.
      pool.on('error', () => {})
      pools.set(url, pool)
    }
    return pool
  }

  async function answer(req: IncomingMessage, res: ServerResponse) {
    const send = (status: number, json: string, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(json)
    try {
      const { url, options: o, body } = await readRequest(req)
      const client = await poolFor(url).connect()
      let healthy = true
      try {
        const batch = Array.isArray(body)
        const result = batch ? await runBatch(client, body, o) : await run(client, body, o.arrayMode)
        const json = JSON.stringify(result)
        if (json.length > MAX_BYTES) throw new HttpError(507, `response is too large (max is ${MAX_BYTES} bytes)`)
        send(200, json, batch ? echoMode(o) : {})
      } catch (err) {
        healthy = err instanceof pg.DatabaseError || err instanceof HttpError
        throw err
      } finally {
        // Like Neon, a connection left inside a transaction (a lone BEGIN) or broken is not reused.
        client.release(!healthy || client.getTransactionStatus() !== 'I')
      }
    } catch (err) {
      const { status, body } = errorJson(err)
      if (!res.headersSent) send(status, JSON.stringify(body))
    }
  }

  return {
    handle: (req, res) => void answer(req, res),
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.end()))
      pools.clear()
    },
  }
}
