import { z } from 'zod'
import { setLogLevel } from './lib/logger'

/** Raised when the Worker's vars or secrets are missing or invalid. Names every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly issues: Record<string, string>) {
    const list = Object.entries(issues)
      .map(([name, reason]) => `${name}: ${reason}`)
      .join('; ')
    super(`Invalid configuration: ${list}`)
    this.name = 'ConfigError'
  }
}

const byteLength = (s: string) => new TextEncoder().encode(s).length
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v)
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional())
const csv = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
const secret = z.string({ error: 'is required' }).refine((s) => byteLength(s) >= 32, 'must be at least 32 bytes')
const rate = z
  .string()
  .regex(/^\d+\/\d+$/, 'must be <limit>/<windowSeconds>, e.g. 100/900')
  .transform((s) => {
    const [limit, windowSec] = s.split('/').map(Number) as [number, number]
    return { limit, windowSec }
  })
  .refine((r) => r.limit > 0 && r.windowSec > 0, 'limit and window must be positive')

const plan = z
  .string()
  .regex(
    /^\d+\/\d+\/\d+\/\d+\/\d+$/,
    'must be <maxJobs>/<minIntervalSec>/<maxTimeoutSec>/<maxRetries>/<logRetentionDays>',
  )
  .transform((s) => {
    const [maxJobs, minIntervalSec, maxTimeoutSec, maxRetries, logRetentionDays] = s.split('/').map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ]
    // The var keeps whole seconds (as the interval); the API's job timeout is in ms.
    return { maxJobs, minIntervalSec, maxTimeoutMs: maxTimeoutSec * 1000, maxRetries, logRetentionDays }
  })
  .refine(
    (p) => p.maxTimeoutMs >= 1000 && p.minIntervalSec >= 60 && p.logRetentionDays >= 1,
    'timeout ≥ 1 s, interval ≥ 60 s, retention ≥ 1 day',
  )
export type PlanLimits = z.infer<typeof plan>

/** Host names of a Postgres on this machine, which is reached through the dev WebSocket proxy. */
export const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

const varsSchema = z
  .object({
    ENVIRONMENT: z.enum(['development', 'test', 'production']),
    APP_NAME: z.string().default('Outpost'),
    APP_VERSION: z.string().default('0.0.0'),
    // The frontend that email links open (seed 004's FRONTEND_URL); kept without a trailing slash.
    APP_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default('http://localhost:3000')
      .transform((u) => u.replace(/\/+$/, '')),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    DATABASE_URL: z.preprocess(
      blankToUndefined,
      z.url({
        protocol: /^postgres(ql)?$/,
        error: (i) => (i.input === undefined ? 'is required' : 'must be a postgres:// URL'),
      }),
    ),
    DATABASE_WS_PROXY: optional(z.string().regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port')),
    JWT_SECRET: secret,
    JWT_PREVIOUS_SECRETS: csv.pipe(z.array(secret)),
    JWT_ISSUER: z.string().min(1).default('outpost'),
    JWT_AUDIENCE: z.string().min(1).default('outpost-api'),
    ACCESS_TOKEN_TTL_SECONDS: int(60, 86_400).default(900),
    CORS_ORIGINS: csv,
    MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(1_048_576),
    // Auth limits, a bucket per action (README, "Rate limits"). Login counts failed attempts only.
    RATE_LIMIT_LOGIN_FAILURES: rate.default({ limit: 5, windowSec: 900 }),
    RATE_LIMIT_LOGIN_IP: rate.default({ limit: 20, windowSec: 900 }),
    RATE_LIMIT_REGISTER: rate.default({ limit: 10, windowSec: 900 }),
    RATE_LIMIT_VERIFY: rate.default({ limit: 10, windowSec: 900 }),
    RATE_LIMIT_RESEND: rate.default({ limit: 5, windowSec: 900 }),
    RATE_LIMIT_FORGOT: rate.default({ limit: 5, windowSec: 900 }),
    RATE_LIMIT_RESET: rate.default({ limit: 10, windowSec: 900 }),
    RATE_LIMIT_CHANGE_PASSWORD: rate.default({ limit: 5, windowSec: 900 }),
    RATE_LIMIT_API: rate.default({ limit: 100, windowSec: 900 }),
    RATE_LIMIT_TIMEOUT_MS: int(50, 10_000).default(1000),
    UPSTASH_REDIS_REST_URL: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })),
    UPSTASH_REDIS_REST_TOKEN: optional(z.string()),
    EMAIL_PROVIDER: z.enum(['log', 'http']).default('log'),
    EMAIL_FROM: z.string().min(3).default('Outpost <no-reply@outpost.dev>'),
    EMAIL_API_URL: optional(z.url({ protocol: /^https?$/ })),
    EMAIL_API_KEY: optional(z.string()),
    PLAN_FREE: plan.default({
      maxJobs: 5,
      minIntervalSec: 300,
      maxTimeoutMs: 10_000,
      maxRetries: 3,
      logRetentionDays: 7,
    }),
    PLAN_PREMIUM: plan.default({
      maxJobs: 50,
      minIntervalSec: 60,
      maxTimeoutMs: 30_000,
      maxRetries: 5,
      logRetentionDays: 30,
    }),
    PLAN_PRO: plan.default({
      maxJobs: 500,
      minIntervalSec: 60,
      maxTimeoutMs: 60_000,
      maxRetries: 10,
      logRetentionDays: 90,
    }),
    AUTO_PAUSE_AFTER: int(1, 1000).default(10),
    DEVICE_OFFLINE_AFTER_SECONDS: int(60, 86_400).default(900),
    CRON_ALLOWED_PRIVATE_HOSTS: z
      .string()
      .default('127.0.0.1,localhost')
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean),
      ),
    STRIPE_WEBHOOK_SECRET: optional(z.string()),
    // Payments are off (POST /payments/checkout answers 503) until the key and both price ids are set.
    STRIPE_SECRET_KEY: optional(z.string().regex(/^(sk|rk)_/, 'must be a Stripe secret key (sk_... or rk_...)')),
    STRIPE_PRICE_PREMIUM: optional(z.string().startsWith('price_', 'must be a Stripe price id (price_...)')),
    STRIPE_PRICE_PRO: optional(z.string().startsWith('price_', 'must be a Stripe price id (price_...)')),
    METRICS_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
    // Uploads to R2 (README, "Uploads"): bytes per file and per request, the allowed types, seed 001's limit.
    UPLOAD_MAX_FILE_BYTES: int(1, 5 * 1024 ** 3).default(10 * 1024 * 1024),
    UPLOAD_MAX_REQUEST_BYTES: int(1, 5 * 1024 ** 3).default(10 * 1024 * 1024),
    UPLOAD_SESSION_MAX_BYTES: int(1, 5 * 1024 ** 4).default(1024 ** 3),
    UPLOAD_ALLOWED_TYPES: z
      .string()
      .default('image/png,image/jpeg,image/gif,image/webp,application/pdf')
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean),
      ),
    UPLOAD_URL_TTL_SECONDS: int(10, 86_400).default(300),
    RATE_LIMIT_UPLOADS: rate.default({ limit: 10, windowSec: 3600 }),
  })
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    if (Boolean(v.UPSTASH_REDIS_REST_URL) !== Boolean(v.UPSTASH_REDIS_REST_TOKEN)) {
      issue(
        v.UPSTASH_REDIS_REST_URL ? 'UPSTASH_REDIS_REST_TOKEN' : 'UPSTASH_REDIS_REST_URL',
        'must be set together with its pair',
      )
    }
    if (v.EMAIL_PROVIDER === 'http') {
      if (!v.EMAIL_API_URL) issue('EMAIL_API_URL', 'is required when EMAIL_PROVIDER=http')
      if (!v.EMAIL_API_KEY) issue('EMAIL_API_KEY', 'is required when EMAIL_PROVIDER=http')
    }
    if (v.DATABASE_URL && LOCAL_HOSTS.has(new URL(v.DATABASE_URL).hostname) && !v.DATABASE_WS_PROXY) {
      issue('DATABASE_WS_PROXY', 'is required when DATABASE_URL points at a local Postgres')
    }
  })

const binding = (name: string) =>
  z.custom<object>((b) => typeof b === 'object' && b !== null, `binding ${name} is missing`)

const bindingsSchema = z.object({
  // The static files of wrangler.toml's [assets] (/docs's script and stylesheet); a Worker run without them
  // (the benches) still serves the API.
  ASSETS: binding('ASSETS').optional(),
  CHANNEL_HUB: binding('CHANNEL_HUB'),
  HUB_DIRECTORY: binding('HUB_DIRECTORY'),
  PRESENCE_HUB: binding('PRESENCE_HUB'),
  METRICS: binding('METRICS'),
  DEVICE_MONITOR: binding('DEVICE_MONITOR'),
  RATE_LIMITER: binding('RATE_LIMITER'),
  EMAIL_QUEUE: binding('EMAIL_QUEUE'),
  JOBS_QUEUE: binding('JOBS_QUEUE'),
  UPLOADS: binding('UPLOADS'),
  // Cloudflare Images, for thumbnails; without it a thumbnail request is answered with the original.
  IMAGES: binding('IMAGES').optional(),
})

type Vars = z.infer<typeof varsSchema>

/** The validated configuration plus the typed bindings. The only way the app reads `env`. */
export type Config = Vars & {
  isDev: boolean
  bindings: Pick<Env, keyof z.infer<typeof bindingsSchema>>
}

const cache = new WeakMap<object, Config>()

/** Validates `env` once per env object. Throws one ConfigError listing every bad variable. */
export function loadConfig(env: Env): Config {
  const hit = cache.get(env)
  if (hit) {
    setLogLevel(hit.LOG_LEVEL)
    return hit
  }
  const vars = varsSchema.safeParse(env)
  const bindings = bindingsSchema.safeParse(env)
  const issues: Record<string, string> = {}
  for (const result of [vars, bindings]) {
    if (result.success) continue
    for (const i of result.error.issues) {
      const key = String(i.path[0] ?? 'env')
      issues[key] ??= i.message
    }
  }
  if (!vars.success || !bindings.success) throw new ConfigError(issues)
  const config: Config = {
    ...vars.data,
    isDev: vars.data.ENVIRONMENT === 'development',
    bindings: {
      ASSETS: env.ASSETS,
      CHANNEL_HUB: env.CHANNEL_HUB,
      HUB_DIRECTORY: env.HUB_DIRECTORY,
      PRESENCE_HUB: env.PRESENCE_HUB,
      METRICS: env.METRICS,
      DEVICE_MONITOR: env.DEVICE_MONITOR,
      RATE_LIMITER: env.RATE_LIMITER,
      EMAIL_QUEUE: env.EMAIL_QUEUE,
      JOBS_QUEUE: env.JOBS_QUEUE,
      UPLOADS: env.UPLOADS,
      IMAGES: env.IMAGES,
    },
  }
  cache.set(env, config)
  setLogLevel(config.LOG_LEVEL)
  return config
}
