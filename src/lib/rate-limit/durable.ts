import { errorFields, log } from '../logger'
import { failOpen, withTimeout, type LimitResult, type RateLimitBackend } from './types'

/** The fallback when no Upstash credentials are set: one RateLimiter object per bucket and key. */
export function durableObjectBackend(ns: Env['RATE_LIMITER'], timeoutMs: number): RateLimitBackend {
  return {
    name: 'durable-object',
    async limit(bucket, key, rule) {
      const stub = ns.get(ns.idFromName(`${bucket}:${key}`))
      try {
        return await withTimeout<LimitResult>(stub.limit(rule.limit, rule.windowSec * 1000), timeoutMs, () =>
          failOpen(rule, 'timeout'),
        )
      } catch (err) {
        log('warn', 'rate limiter backend error', { backend: 'durable-object', ...errorFields(err) })
        return failOpen(rule, 'error')
      }
    },
    async ping() {
      await withTimeout(ns.get(ns.idFromName('health')).ping(), timeoutMs, () => {
        throw new Error('RateLimiter did not answer in time')
      })
    },
  }
}
