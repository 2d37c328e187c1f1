/**
 * Child process: the plain-Node twin of GET /api/v1/health/readiness. Same query (`select 1`),
 * same `{ success, data }` envelope, but Hono on @hono/node-server with a long-lived pg Pool.
 * A second route opens a connection per request, like the Worker must, to separate the cost of
 * connecting from the cost of the runtime.
 */
import { serve } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { serveUntilStopped } from './child'

const url = process.env.DATABASE_URL
const pool = new pg.Pool({ connectionString: url, max: 10 })
pool.on('error', () => {})

async function connectPerRequest() {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query('select 1')
  } finally {
    await client.end()
  }
}

const readiness = (query: () => Promise<unknown>) => async (c: Context) => {
  const started = performance.now()
  try {
    await query()
    const postgres = { status: 'ok' as const, latencyMs: Math.round(performance.now() - started) }
    return c.json({ success: true as const, data: { status: 'ok' as const, checks: { postgres } } })
  } catch (err) {
    const message = `Not ready: Postgres is unreachable (${err instanceof Error ? err.message : String(err)})`
    return c.json({ success: false as const, error: { code: 'SERVICE_UNAVAILABLE', message } }, 503)
  }
}

const app = new Hono()
app.get(
  '/api/v1/health/readiness',
  readiness(() => pool.query('select 1')),
)
app.get('/connect-per-request/api/v1/health/readiness', readiness(connectPerRequest))

const server = serve(
  { fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.BENCH_NODE_PORT) },
  (info: AddressInfo) =>
    serveUntilStopped(info.port, async () => {
      server.close()
      await pool.end()
    }),
)
