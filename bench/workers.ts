/**
 * The built bundle (dist/index.js) in Miniflare directly, not `wrangler dev`, whose proxy caps
 * throughput (DESIGN.md §9). The hello worker runs in the same instance behind a route, so the
 * ceiling goes through exactly the same entry worker, socket and workerd process.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import { convertV4MiniflareOptions, Miniflare, type V4MiniflareOptions } from 'miniflare'
import { PASSWORD_PARAMS } from '../src/lib/password'
import { HELLO_PATH, PBKDF2_PATH, R2PUT_PATH } from './scenarios'

/** Builds dist/index.js the way a deploy does (`wrangler deploy --dry-run --outdir dist`). */
export function build() {
  const started = Date.now()
  const res = spawnSync('node_modules/.bin/wrangler', ['deploy', '--dry-run', '--outdir', 'dist'], {
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    encoding: 'utf8',
  })
  if (res.status !== 0)
    throw new Error(`wrangler build failed (${res.signal ?? `code ${res.status}`}):\n${res.stdout}${res.stderr}`)
  if (statSync('dist/index.js').mtimeMs < started) throw new Error('the build did not write dist/index.js')
}

export type QueueConsumer = {
  maxBatchSize?: number
  maxBatchTimeout?: number
  maxRetries?: number
  deadLetterQueue?: string
}

/** Imported lazily: importing wrangler installs signal handlers that exit with code 0 (see lifecycle.ts). */
export async function readWranglerConfig() {
  const { unstable_readConfig } = await import('wrangler')
  const config = unstable_readConfig({ config: 'wrangler.toml' })
  // The consumers exactly as wrangler.toml declares them (batch size, batch timeout, retries, DLQ).
  const queueConsumers: Record<string, QueueConsumer> = {}
  for (const c of config.queues.consumers ?? []) {
    queueConsumers[c.queue] = {
      maxBatchSize: c.max_batch_size,
      maxBatchTimeout: c.max_batch_timeout,
      maxRetries: c.max_retries,
      deadLetterQueue: c.dead_letter_queue,
    }
  }
  return {
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    vars: config.vars,
    queueConsumers,
  }
}

export type WranglerConfig = Awaited<ReturnType<typeof readWranglerConfig>>
export type WorkerStack = { url: string; mf: Miniflare; dispose: () => Promise<void> }

export type WorkerOptions = {
  port: number
  databaseUrl: string
  wsProxy: string
  /** Overrides of wrangler.toml's vars (after the bench's own), e.g. `{ ENVIRONMENT: 'development' }`. */
  vars?: Record<string, string>
  /** Per-queue overrides of wrangler.toml's consumer settings, e.g. `{ jobs: { maxBatchSize: 100 } }`. */
  queueConsumers?: Record<string, QueueConsumer>
  /** Directory for Durable Object storage (default: Miniflare's temporary directory on disk). */
  durableObjectsDir?: string
  /** Port for workerd's DevTools inspector (CPU profiles of the Worker under load). */
  inspectorPort?: number
}

export async function startWorkers(config: WranglerConfig, opts: WorkerOptions): Promise<WorkerStack> {
  const compat = { compatibilityDate: config.compatibilityDate, compatibilityFlags: config.compatibilityFlags }
  const queueConsumers = Object.fromEntries(
    Object.entries(config.queueConsumers).map(([queue, c]) => [queue, { ...c, ...opts.queueConsumers?.[queue] }]),
  )
  const options: V4MiniflareOptions = {
    host: '127.0.0.1',
    ...(opts.durableObjectsDir ? { durableObjectsPersist: opts.durableObjectsDir } : {}),
    ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
    port: opts.port,
    workers: [
      {
        name: 'outpost',
        modules: true,
        scriptPath: 'dist/index.js',
        ...compat,
        bindings: {
          ...config.vars,
          LOG_LEVEL: 'error', // one log line per request would dominate the measurement
          EMAIL_PROVIDER: 'log',
          // Far beyond anything a run sends: the auth limits are per IP (and email), the API's per IP or user.
          RATE_LIMIT_API: '1000000000/900',
          RATE_LIMIT_LOGIN_FAILURES: '1000000000/900',
          RATE_LIMIT_LOGIN_IP: '1000000000/900',
          RATE_LIMIT_REGISTER: '1000000000/900',
          RATE_LIMIT_VERIFY: '1000000000/900',
          RATE_LIMIT_RESEND: '1000000000/900',
          RATE_LIMIT_FORGOT: '1000000000/900',
          RATE_LIMIT_RESET: '1000000000/900',
          RATE_LIMIT_CHANGE_PASSWORD: '1000000000/900',
          DATABASE_URL: opts.databaseUrl,
          DATABASE_WS_PROXY: opts.wsProxy,
          JWT_SECRET: randomBytes(48).toString('base64url'),
          JWT_PREVIOUS_SECRETS: '',
          ...opts.vars,
        },
        // wrangler.toml declares these classes under new_sqlite_classes (migrations v1 to v4).
        durableObjects: {
          CHANNEL_HUB: { className: 'ChannelHub', useSQLite: true },
          DEVICE_MONITOR: { className: 'DeviceMonitor', useSQLite: true },
          RATE_LIMITER: { className: 'RateLimiter', useSQLite: true },
          HUB_DIRECTORY: { className: 'HubDirectory', useSQLite: true },
          PRESENCE_HUB: { className: 'PresenceHub', useSQLite: true },
          METRICS: { className: 'MetricsStore', useSQLite: true },
        },
        queueProducers: { EMAIL_QUEUE: { queueName: 'email' }, JOBS_QUEUE: { queueName: 'jobs' } },
        // wrangler.toml's [[queues.consumers]]; Miniflare delivers one batch at a time per queue.
        queueConsumers,
        r2Buckets: ['UPLOADS'],
      },
      {
        name: 'hello',
        modules: true,
        scriptPath: 'bench/hello-worker.js',
        ...compat,
        routes: [`*${HELLO_PATH}`, `*${PBKDF2_PATH}`, `*${R2PUT_PATH}/*`],
        r2Buckets: ['UPLOADS'],
        // The app's own parameters, so the hash-only route always costs what a login's hash costs.
        bindings: {
          PBKDF2_ITERATIONS: String(PASSWORD_PARAMS.iterations),
          PBKDF2_SALT_BYTES: String(PASSWORD_PARAMS.saltBytes),
          PBKDF2_HASH_BYTES: String(PASSWORD_PARAMS.hashBytes),
        },
      },
    ],
  }
  // Miniflare 5 takes wrangler-shaped worker configs; the v4 option shape above is converted once.
  const mf = new Miniflare(convertV4MiniflareOptions(options))
  try {
    const url = (await mf.ready).origin
    await assertHealthy(url)
    return { url, mf, dispose: () => mf.dispose() }
  } catch (err) {
    await mf.dispose()
    throw err
  }
}

type HealthBody = { success?: unknown; data?: { status?: string } }

/** The Worker answers 500 CONFIG_ERROR naming any missing variable: stop before measuring that. */
async function assertHealthy(url: string) {
  const res = await fetch(`${url}/api/v1/health`)
  const text = await res.text()
  let body: HealthBody | undefined
  try {
    body = JSON.parse(text) as HealthBody
  } catch {
    // not JSON: reported below with the raw text
  }
  if (res.status !== 200 || body?.success !== true)
    throw new Error(`health pre-check failed: GET /api/v1/health -> ${res.status} ${text.slice(0, 500)}`)
  if (body.data?.status !== 'ok') console.warn(`warning: /api/v1/health reports "${body.data?.status}": ${text}`)
}
