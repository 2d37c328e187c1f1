import { errorFields, log } from '../logger'
import { failOpen, withTimeout, type LimitResult, type RateLimitBackend } from './types'

/** The fallback when no Upstash credentials are set: one RateLimiter object per bucket and key. */
export function durableObjectBackend(ns: Env['RATE_LIMITER'], timeoutMs: number): RateLimitBackend {
  const stubOf = (bucket: string, key: string) => ns.get(ns.idFromName(`${bucket}:${key}`))
  /** Refunds and resets only ever loosen a limit: a failure is logged, never raised. */
  const settle = async (op: string, call: () => Promise<unknown>) => {
    try {
      await withTimeout(call(), timeoutMs, () => {
        throw new Error(`RateLimiter ${op} did not answer in time`)
      })
    } catch (err) {
      log('warn', 'rate limiter backend error', { backend: 'durable-object', op, ...errorFields(err) })
    }
  }
  return {
    name: 'durable-object',
    async limit(bucket, key, rule, units = 1) {
      try {
        return await withTimeout<LimitResult>(
          stubOf(bucket, key).limit(rule.limit, rule.windowSec * 1000, undefined, units),
          timeoutMs,
          () => failOpen(rule, 'timeout'),
        )
      } catch (err) {
        log('warn', 'rate limiter backend error', { backend: 'durable-object', ...errorFields(err) })
        return failOpen(rule, 'error')
      }
    },
    refund: (bucket, key, rule) => settle('refund', () => stubOf(bucket, key).refund(rule.windowSec * 1000)),
    reset: (bucket, key) => settle('reset', () => stubOf(bucket, key).reset()),
    async ping() {
      await withTimeout(ns.get(ns.idFromName('health')).ping(), timeoutMs, () => {
        throw new Error('RateLimiter did not answer in time')
      })
    },
  }
}
