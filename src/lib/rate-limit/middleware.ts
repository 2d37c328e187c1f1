import type { Context, MiddlewareHandler } from 'hono'
import type { Config } from '../../env'
import { ApiError } from '../errors'
import { waitUntil } from '../request-context'
import type { AppEnv } from '../types'
import { rateLimitBackend } from './index'
import { limitLeased } from './leases'
import type { LimitResult, RateRule } from './types'
import { count } from '../metrics/recorder'

export type RateLimitOptions = {
  /** Names the counter family, e.g. `auth` or `api`. */
  bucket: string
  rule: (config: Config) => RateRule
  /** Defaults to the user id when authenticated, else the client IP. */
  key?: (c: Context<AppEnv>) => string | Promise<string>
  /** Refuse (503) instead of letting requests through when the backend times out or fails. */
  failClosed?: boolean
  /** Requests this returns true for are not counted (e.g. health probes). */
  skip?: (c: Context<AppEnv>) => boolean
  /** Take units in leases (leases.ts): for budgets a busy client spends fast, never for ones with refunds. */
  lease?: boolean
}

export function clientIp(c: Context<AppEnv>) {
  return c.req.header('cf-connecting-ip') ?? c.req.header('x-real-ip') ?? 'unknown'
}

const defaultKey = (c: Context<AppEnv>) => {
  const sub = c.get('user')?.id ?? c.get('claims')?.sub
  return sub ? `user:${sub}` : `ip:${clientIp(c)}`
}

/**
 * Sets `RateLimit-*` headers (IETF draft) for `result`, and throws 429 with `Retry-After` when it is over
 * the limit, or 503 when the backend did not answer and `failClosed` asks to refuse rather than guess.
 */
export function enforceLimit(
  c: Context<AppEnv>,
  bucket: string,
  rule: RateRule,
  result: LimitResult,
  failClosed = false,
) {
  const decision = result.reason ? 'unavailable' : result.success ? 'allowed' : 'limited'
  count('outpost_rate_limit_decisions_total', { bucket, decision })
  const resetSec = Math.max(0, Math.ceil((result.reset - Date.now()) / 1000))
  if (result.reason && failClosed) {
    c.header('Retry-After', '5')
    throw ApiError.unavailable('Rate limiter unavailable; try again shortly')
  }
  c.header('RateLimit-Policy', `${rule.limit};w=${rule.windowSec}`)
  c.header('RateLimit-Limit', String(result.limit))
  c.header('RateLimit-Remaining', String(result.remaining))
  c.header('RateLimit-Reset', String(resetSec))
  if (!result.success) {
    c.header('Retry-After', String(Math.max(1, resetSec)))
    throw new ApiError('RATE_LIMITED', 'Too many requests', { retryAfterSeconds: Math.max(1, resetSec) })
  }
}

/** Spends one unit per request (see `enforceLimit`). */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    if (opts.skip?.(c)) return next()
    const config = c.get('config')
    const rule = opts.rule(config)
    const backend = rateLimitBackend(config, (p) => waitUntil(c, p))
    const key = await (opts.key ?? defaultKey)(c)
    const result = opts.lease
      ? await limitLeased(backend, opts.bucket, key, rule)
      : await backend.limit(opts.bucket, key, rule)
    enforceLimit(c, opts.bucket, rule, result, opts.failClosed)
    await next()
  }
}
