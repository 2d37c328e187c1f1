/**
 * `npm run dev`: the whole local stack in one command, no Docker, no accounts.
 * Embedded Postgres (.local/pg) -> Neon WebSocket proxy -> migrations -> seed -> wrangler dev
 * (local Durable Objects, Queues, R2) -> a ticker firing the minute Cron Trigger. Ctrl-C stops all.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import {
  assertPortFree,
  ensureDatabase,
  startPostgres,
  startWsProxy,
  type LocalPostgres,
  type WsProxy,
} from './local-stack'
import { startEchoServer, type EchoServer } from './echo-server'
import { migrateDatabase } from './migrate'
import { seed } from './seed'
import { LOCAL_STRIPE_WEBHOOK_SECRET } from './stripe-sample'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const local = join(root, '.local')
const PORT = Number(process.env.PORT ?? 8787)
const PG_PORT = Number(process.env.PG_PORT ?? 54329)
const PROXY_PORT = Number(process.env.PG_PROXY_PORT ?? 54330)
const ECHO_PORT = Number(process.env.ECHO_PORT ?? 8799)
const DB = 'outpost'
const base = `http://127.0.0.1:${PORT}`

let pgServer: LocalPostgres | undefined
let proxy: WsProxy | undefined
let echo: EchoServer | undefined
let wrangler: ChildProcess | undefined
let ticker: NodeJS.Timeout | undefined
let stopping = false

const step = (msg: string) => console.log(`\x1b[36m›\x1b[0m ${msg}`)

/** A random dev JWT secret, generated once and kept so tokens survive restarts. */
function devSecret() {
  const file = join(local, 'dev-secret')
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 })
  return readFileSync(file, 'utf8').trim()
}

// wrangler dev cannot fetch Request.cf offline (ENOTFOUND workers.cloudflare.com): noise, not a
// problem. Its binding table and per-request lines repeat what the banner and our JSON logs say.
const NOISE =
  /ENOTFOUND|GetAddrInfoReqWrap|Request\.cf|cf\.json|telemetry|update available|^\s*(env\.|Binding\s|Your Worker has access|─+$)|\[wrangler:info\] (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) |^\s*$/i

function pipe(stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) {
  let buf = ''
  stream?.on('data', (chunk: Buffer) => {
    buf += chunk.toString()
    const lines = buf.split('\n')
    buf = lines.pop() ?? ''
    for (const line of lines) if (!NOISE.test(line)) out.write(`  ${line}\n`)
  })
}

async function waitForWorker(timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (wrangler?.exitCode !== null && wrangler?.exitCode !== undefined)
      throw new Error(`wrangler dev exited with code ${wrangler.exitCode}`)
    try {
      if ((await fetch(`${base}/api/v1/health/liveness`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`wrangler dev did not answer on ${base} within ${timeoutMs / 1000}s`)
}

/** wrangler dev does not fire Cron Triggers by itself; --test-scheduled exposes this endpoint. */
function startTicker() {
  const fire = async () => {
    // wrangler's `time` is epoch milliseconds; the minute boundary, like a real Cron Trigger.
    const time = Math.floor(Date.now() / 60_000) * 60_000
    try {
      const res = await fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('* * * * *')}&time=${time}`)
      if (!res.ok) console.error(`  scheduled tick answered ${res.status}`)
    } catch (err) {
      if (!stopping) console.error(`  scheduled tick failed: ${String(err)}`)
    }
  }
  const msToNextMinute = 60_000 - (Date.now() % 60_000)
  ticker = setTimeout(() => {
    void fire()
    ticker = setInterval(fire, 60_000)
  }, msToNextMinute)
}

async function stop(code = 0) {
  if (stopping) return
  stopping = true
  console.log('\nstopping…')
  if (ticker) clearInterval(ticker)
  if (wrangler && wrangler.exitCode === null) {
    wrangler.kill('SIGTERM')
    await new Promise((r) => {
      wrangler!.once('exit', r)
      setTimeout(r, 5000)
    })
  }
  await proxy?.close()
  await echo?.close()
  await pgServer?.stop().catch(() => {})
  process.exit(code)
}

async function main() {
  mkdirSync(local, { recursive: true })
  await assertPortFree(PORT, 'API (set PORT=...)')
  await assertPortFree(PG_PORT, 'Postgres (set PG_PORT=...)')
  await assertPortFree(PROXY_PORT, 'Postgres WebSocket proxy (set PG_PROXY_PORT=...)')
  await assertPortFree(ECHO_PORT, 'demo cron target (set ECHO_PORT=...)')

  step(`Postgres 18 on 127.0.0.1:${PG_PORT} (data in .local/pg)`)
  pgServer = await startPostgres({ dir: join(local, 'pg'), port: PG_PORT, quiet: true })
  await ensureDatabase(pgServer.url('postgres'), DB)
  step('migrations')
  await migrateDatabase(pgServer.url(DB))
  step(`demo cron target on 127.0.0.1:${ECHO_PORT}`)
  echo = await startEchoServer(ECHO_PORT)
  step('seed data')
  const seeded = await seed(pgServer.url(DB), { echoUrl: echo.url, keysFile: join(local, 'device-keys.json') })
  step(`Neon proxy (WebSocket and SQL over HTTP) on 127.0.0.1:${PROXY_PORT}`)
  proxy = await startWsProxy(PROXY_PORT)

  step(`wrangler dev on ${base}`)
  const vars = {
    ENVIRONMENT: 'development',
    LOG_LEVEL: 'info',
    DATABASE_URL: pgServer.url(DB),
    DATABASE_WS_PROXY: `127.0.0.1:${PROXY_PORT}`,
    JWT_SECRET: devSecret(),
    CORS_ORIGINS: '*',
    // A fixed local webhook secret, so `npm run stripe:sample` signs events this Worker accepts.
    STRIPE_WEBHOOK_SECRET: process.env.STRIPE_WEBHOOK_SECRET ?? LOCAL_STRIPE_WEBHOOK_SECRET,
  }
  const args = [
    'dev',
    '--port',
    String(PORT),
    '--ip',
    '127.0.0.1',
    '--test-scheduled',
    '--persist-to',
    join(local, 'wrangler'),
    '--show-interactive-dev-session=false',
  ]
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`)
  wrangler = spawn(join(root, 'node_modules', '.bin', 'wrangler'), args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  pipe(wrangler.stdout, process.stdout)
  pipe(wrangler.stderr, process.stderr)
  wrangler.on('exit', (code) => {
    if (!stopping) {
      console.error(`wrangler dev exited (${code}); stopping the stack`)
      void stop(1)
    }
  })
  await waitForWorker()
  startTicker()

  const users = seeded.users.map((u) => `    ${u.role.padEnd(10)} ${u.email} / ${u.password}`).join('\n')
  const devices = seeded.devices
    .map((d) => `    ${d.serialNumber.padEnd(10)} ${d.key}  (${d.customer}, ${d.coldCell})`)
    .join('\n')
  console.log(`
\x1b[32mOutpost is running\x1b[0m
  API        ${base}/api/v1
  Health     ${base}/api/v1/health
  Dashboard  ${base}/dashboard  (sign in with a demo user below)
  Docs       ${base}/docs
  OpenAPI    ${base}/openapi.json
  Mailbox    ${base}/api/v1/dev/mailbox?to=<email>
  Postgres   ${pgServer.url(DB)}
  Cron       the minute Cron Trigger fires every minute; demo jobs of user@outpost.dev call
             ${echo.url} (see GET /api/v1/logs as that user, or ${echo.url}/__hits)
  Demo users
${users}
  Devices    POST ${base}/api/v1/readings/devices/<serial>/readings with header x-device-key
             (keys kept in .local/device-keys.json)
${devices}
Press Ctrl-C to stop everything.
`)
}

process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
main().catch((err) => {
  console.error(`\x1b[31m✖ ${err instanceof Error ? err.message : String(err)}\x1b[0m`)
  void stop(1)
})
