/**
 * The request side of the local Neon SQL-over-HTTP endpoint (scripts/neon-http-endpoint.ts): route,
 * headers and body checked and read as Neon's proxy does (neondatabase/neon,
 * proxy/src/serverless/sql_over_http.rs; parameters as in json.rs).
 */
import type { IncomingMessage } from 'node:http'

/** One statement, its parameters already Postgres text (or null). */
export type Query = { query: string; params: (string | null)[]; arrayMode?: boolean }
/** `level` is the Neon-Batch-Isolation-Level header as sent, `isolation` its SQL. */
export type Options = { arrayMode: boolean; level?: string; isolation?: string; readOnly: boolean; deferrable: boolean }
export type SqlRequest = { url: string; options: Options; body: Query | Query[] }

// Neon's default request and response limits (sql_over_http_max_{request,response}_size_bytes).
export const MAX_BYTES = 10 * 1024 * 1024
const ISOLATION: Record<string, string> = {
  Serializable: 'SERIALIZABLE',
  RepeatableRead: 'REPEATABLE READ',
  ReadCommitted: 'READ COMMITTED',
  ReadUncommitted: 'READ UNCOMMITTED',
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** Neon's json_to_pg_text: strings pass unchanged, other JSON becomes text, arrays Postgres array literals. */
function pgText(value: unknown, inArray = false): string | null {
  if (value === null || value === undefined) return null
  if (Array.isArray(value)) return `{${value.map((v) => pgText(v, true) ?? 'NULL').join(',')}}`
  if (typeof value === 'string') return inArray ? JSON.stringify(value) : value
  return inArray && typeof value === 'object' ? JSON.stringify(JSON.stringify(value)) : JSON.stringify(value)
}

/** The connection target, checked as Neon does, and kept to loopback like the WebSocket proxy. */
function target(header: string | string[] | undefined): string {
  if (typeof header !== 'string') throw new HttpError(400, 'invalid header: neon-connection-string')
  let url: URL
  try {
    url = new URL(header)
  } catch {
    throw new HttpError(400, 'invalid connection string')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new HttpError(400, 'incorrect scheme')
  if (url.pathname.length < 2) throw new HttpError(400, 'missing database name')
  if (!url.username) throw new HttpError(400, 'missing username')
  if (url.hostname !== 'localhost' && url.hostname !== '127.0.0.1')
    throw new HttpError(400, `only loopback Postgres targets are allowed (localhost, 127.0.0.1), not ${url.hostname}`)
  // Neon ends TLS at its proxy; the local Postgres speaks plain TCP whatever sslmode the URL asks.
  for (const key of [...url.searchParams.keys()]) if (key.startsWith('ssl')) url.searchParams.delete(key)
  return url.toString()
}

function options(req: IncomingMessage): Options {
  const level = req.headers['neon-batch-isolation-level']
  if (level !== undefined && (typeof level !== 'string' || !ISOLATION[level]))
    throw new HttpError(400, 'invalid isolation level')
  if (req.headers['neon-raw-text-output'] !== 'true')
    throw new HttpError(400, 'this local endpoint implements only Neon-Raw-Text-Output: true (what the driver sends)')
  return {
    arrayMode: req.headers['neon-array-mode'] === 'true',
    level,
    isolation: level === undefined ? undefined : ISOLATION[level],
    readOnly: req.headers['neon-batch-read-only'] === 'true',
    deferrable: req.headers['neon-batch-deferrable'] === 'true',
  }
}

/** A single statement, or a batch as an array. */
async function readBody(req: IncomingMessage): Promise<Query | Query[]> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BYTES) throw new HttpError(413, `request is too large (max is ${MAX_BYTES} bytes)`)
    chunks.push(chunk)
  }
  type Sent = { query: string; params?: unknown[]; arrayMode?: boolean }
  const isList = (p: unknown) => p === undefined || Array.isArray(p)
  const isQuery = (q: unknown): q is Sent =>
    typeof q === 'object' &&
    q !== null &&
    typeof (q as Sent).query === 'string' &&
    isList((q as Sent).params) &&
    ['undefined', 'boolean'].includes(typeof (q as Sent).arrayMode)
  const toText = (q: Sent): Query => ({ ...q, params: (q.params ?? []).map((p) => pgText(p)) })
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    throw new HttpError(400, `could not parse the HTTP request body: ${(err as Error).message}`)
  }
  if (isQuery(body)) return toText(body)
  const queries = (body as { queries?: unknown } | null)?.queries
  if (Array.isArray(queries) && queries.every(isQuery)) return queries.map(toText)
  throw new HttpError(400, 'could not parse the HTTP request body: expected {query, params} or {queries: [...]}')
}

/** The whole request, or an HttpError saying what is wrong with it. */
export async function readRequest(req: IncomingMessage): Promise<SqlRequest> {
  if (new URL(req.url ?? '/', 'http://local').pathname !== '/sql') throw new HttpError(404, 'not found')
  if (req.method !== 'POST') throw new HttpError(405, 'method not allowed: use POST /sql')
  const url = target(req.headers['neon-connection-string'])
  if (req.headers.authorization) throw new HttpError(400, 'JWT authentication is not supported locally')
  return { url, options: options(req), body: await readBody(req) }
}
