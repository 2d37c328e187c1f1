import { sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import type { Config } from '../../env'
import { countPending } from '../dead-letters/dead-letters.service'
import { rateLimitBackend } from '../../lib/rate-limit'
import { withTimeout } from '../../lib/rate-limit/types'

export type Check = { status: 'ok' | 'down'; latencyMs: number; error?: string; backend?: string }

const CHECK_TIMEOUT_MS = 3000

async function timed(fn: () => Promise<unknown>, extra: Partial<Check> = {}): Promise<Check> {
  const started = performance.now()
  try {
    await withTimeout(fn(), CHECK_TIMEOUT_MS, () => {
      throw new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)
    })
    return { status: 'ok', latencyMs: Math.round(performance.now() - started), ...extra }
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err)
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error, ...extra }
  }
}

export function checkPostgres(db: Database) {
  return timed(() => db.execute(sql`select 1`))
}

export function checkRateLimiter(config: Config) {
  const backend = rateLimitBackend(config)
  return timed(() => backend.ping(), { backend: backend.name })
}

/** Queue producers cannot be probed without sending; a bound producer is what can be checked. */
export function checkQueues(config: Config) {
  return timed(async () => {
    for (const [name, q] of Object.entries({ email: config.bindings.EMAIL_QUEUE, jobs: config.bindings.JOBS_QUEUE })) {
      if (typeof q?.send !== 'function') throw new Error(`queue ${name} is not bound`)
    }
  })
}

/** Dead letters not replayed yet; null when Postgres cannot say in time. They leave the status alone. */
function pendingDeadLetters(db: Database) {
  return withTimeout(countPending(db), CHECK_TIMEOUT_MS, () => null).catch(() => null)
}

export async function healthReport(config: Config, db: Database) {
  const [postgres, rateLimiter, queues, deadLetters] = await Promise.all([
    checkPostgres(db),
    checkRateLimiter(config),
    checkQueues(config),
    pendingDeadLetters(db),
  ])
  const checks = { postgres, rateLimiter, queues }
  const status =
    postgres.status === 'down' ? 'down' : Object.values(checks).every((c) => c.status === 'ok') ? 'ok' : 'degraded'
  return {
    status,
    version: config.APP_VERSION,
    environment: config.ENVIRONMENT,
    time: new Date().toISOString(),
    checks,
    deadLetters,
  } as const
}
