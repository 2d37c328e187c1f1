/**
 * The built bundle (dist/index.js) in Miniflare directly, not `wrangler dev`, whose proxy caps
 * throughput (DESIGN.md §9). The hello worker runs in the same instance behind a route, so the
 * ceiling goes through exactly the same entry worker, socket and workerd process.
 */
import { randomBytes } from 'node:crypto'
import { Miniflare } from 'miniflare'
import { PASSWORD_PARAMS } from '../src/lib/password'
import { HELLO_PATH, PBKDF2_PATH } from './scenarios'

/** Imported lazily: importing wrangler installs signal handlers that exit with code 0 (see run.ts). */
export async function readWranglerConfig() {
  const { unstable_readConfig } = await import('wrangler')
  const config = unstable_readConfig({ config: 'wrangler.toml' })
  return { compatibilityDate: config.compatibility_date, compatibilityFlags: config.compatibility_flags, vars: config.vars }
}

export type WranglerConfig = Awaited<ReturnType<typeof readWranglerConfig>>
export type WorkerStack = { url: string; dispose: () => Promise<void> }

export async function startWorkers(
  config: WranglerConfig,
  opts: { port: number; databaseUrl: string; wsProxy: string },
): Promise<WorkerStack> {
  const compat = { compatibilityDate: config.compatibilityDate, compatibilityFlags: config.compatibilityFlags }
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: opts.port,
    workers: [
      {
        name: 'outpost',
        modules: true,
        scriptPath: 'dist/index.js',
        // wrangler's default rules for the files it emits next to the bundle (e.g. the Swagger UI assets as Text).
        modulesRules: [
          { type: 'Text', include: ['**/*.txt', '**/*.html', '**/*.sql'] },
          { type: 'Data', include: ['**/*.bin'] },
          { type: 'CompiledWasm', include: ['**/*.wasm', '**/*.wasm?module'] },
        ],
        ...compat,
        bindings: {
          ...config.vars,
          LOG_LEVEL: 'error', // one log line per request would dominate the measurement
          EMAIL_PROVIDER: 'log',
          // Far beyond anything a run sends: login is limited per IP+email, everything else per IP or user.
          RATE_LIMIT_API: '1000000000/900',
          RATE_LIMIT_AUTH: '1000000000/900',
          DATABASE_URL: opts.databaseUrl,
          DATABASE_WS_PROXY: opts.wsProxy,
          JWT_SECRET: randomBytes(48).toString('base64url'),
          JWT_PREVIOUS_SECRETS: '',
        },
        // wrangler.toml declares these classes under new_sqlite_classes.
        durableObjects: {
          CHANNEL_HUB: { className: 'ChannelHub', useSQLite: true },
          DEVICE_MONITOR: { className: 'DeviceMonitor', useSQLite: true },
          RATE_LIMITER: { className: 'RateLimiter', useSQLite: true },
        },
        queueProducers: { EMAIL_QUEUE: { queueName: 'email' }, JOBS_QUEUE: { queueName: 'jobs' } },
        queueConsumers: {
          email: { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 5, deadLetterQueue: 'email-dlq' },
          jobs: { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 5, deadLetterQueue: 'jobs-dlq' },
        },
        r2Buckets: ['UPLOADS'],
      },
      {
        name: 'hello',
        modules: true,
        scriptPath: 'bench/hello-worker.js',
        ...compat,
        routes: [`*${HELLO_PATH}`, `*${PBKDF2_PATH}`],
        // The app's own parameters, so the hash-only route always costs what a login's hash costs.
        bindings: {
          PBKDF2_ITERATIONS: String(PASSWORD_PARAMS.iterations),
          PBKDF2_SALT_BYTES: String(PASSWORD_PARAMS.saltBytes),
          PBKDF2_HASH_BYTES: String(PASSWORD_PARAMS.hashBytes),
        },
      },
    ],
  })
  try {
    const url = (await mf.ready).origin
    await assertHealthy(url)
    return { url, dispose: () => mf.dispose() }
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
  if (res.status !== 200 || body?.success !== true) throw new Error(`health pre-check failed: GET /api/v1/health -> ${res.status} ${text.slice(0, 500)}`)
  if (body.data?.status !== 'ok') console.warn(`warning: /api/v1/health reports "${body.data?.status}": ${text}`)
}
