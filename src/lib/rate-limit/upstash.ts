import { Ratelimit } from '@upstash/ratelimit'
import { Redis } from '@upstash/redis/cloudflare'
import { errorFields, log } from '../logger'
import { failOpen, type RateLimitBackend, type RateRule } from './types'

/** `@upstash/ratelimit` sliding windows over Upstash Redis REST. One Ratelimit per bucket and rule. */
export function upstashBackend(opts: {
  url: string
  token: string
  timeoutMs: number
  waitUntil?: (p: Promise<unknown>) => void
}): RateLimitBackend {
  // No client-side retries: a slow Redis must surface as a timeout, not as a 5 s stall.
  const redis = new Redis({
    url: opts.url,
    token: opts.token,
    retry: false,
    enableTelemetry: false,
    enableAutoPipelining: false,
  })
  const limiters = new Map<string, Ratelimit>()
  const limiterFor = (bucket: string, rule: RateRule) => {
    const id = `${bucket}:${rule.limit}/${rule.windowSec}`
    let limiter = limiters.get(id)
    if (!limiter) {
      limiter = new Ratelimit({
        redis,
        prefix: `outpost:rl:${id}`,
        limiter: Ratelimit.slidingWindow(rule.limit, `${rule.windowSec} s`),
        timeout: opts.timeoutMs,
        analytics: false,
        ephemeralCache: false,
      })
      limiters.set(id, limiter)
    }
    return limiter
  }
  return {
    name: 'upstash',
    async limit(bucket, key, rule) {
      try {
        const res = await limiterFor(bucket, rule).limit(key)
        opts.waitUntil?.(res.pending)
        if (res.reason === 'timeout') return failOpen(rule, 'timeout')
        return { success: res.success, limit: res.limit, remaining: Math.max(0, res.remaining), reset: res.reset }
      } catch (err) {
        log('warn', 'rate limiter backend error', { backend: 'upstash', ...errorFields(err) })
        return failOpen(rule, 'error')
      }
    },
    async ping() {
      const pong = await redis.ping()
      if (pong !== 'PONG') throw new Error(`unexpected PING reply: ${String(pong)}`)
    },
  }
}
