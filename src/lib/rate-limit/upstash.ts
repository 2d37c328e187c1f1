import { Ratelimit } from '@upstash/ratelimit'
import { Redis } from '@upstash/redis/cloudflare'
import { errorFields, log } from '../logger'
import { failOpen, type LimitResult, type RateLimitBackend, type RateRule, withTimeout } from './types'

// One hit back: from the current window, else from the previous one (the hit was made before the boundary).
const REFUND = `for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then return redis.call('DECR', KEYS[i]) end
end
return 0`

// Up to ARGV[2] hits at once on slidingWindow's keys with its arithmetic (the library's own script
// adds the whole rate even past the limit): what the window has left, or none.
const LEASE = `local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit, want, now, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local used = math.floor((1 - (now % window) / window) * prev) + cur
local granted = math.min(want, limit - used)
if granted <= 0 then return {0, limit - used} end
if redis.call('INCRBY', KEYS[1], granted) == granted then redis.call('PEXPIRE', KEYS[1], window * 2 + 1000) end
return {granted, limit - used - granted}`

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
  const prefixOf = (bucket: string, rule: RateRule) => `outpost:rl:${bucket}:${rule.limit}/${rule.windowSec}`
  const limiterFor = (bucket: string, rule: RateRule) => {
    const prefix = prefixOf(bucket, rule)
    let limiter = limiters.get(prefix)
    if (!limiter) {
      limiter = new Ratelimit({
        redis,
        prefix,
        limiter: Ratelimit.slidingWindow(rule.limit, `${rule.windowSec} s`),
        timeout: opts.timeoutMs,
        analytics: false,
        ephemeralCache: false,
      })
      limiters.set(prefix, limiter)
    }
    return limiter
  }
  /**
   * slidingWindow's own keys, `<prefix>:<key>:<window number>`, current window first. Its resetUsedTokens
   * finds them with a SCAN of the whole keyspace (and reads the key as a glob): too costly per login.
   * test/rate-limit.test.ts checks both operations against a real Redis, so a change of layout shows.
   */
  const windowKeys = (bucket: string, key: string, rule: RateRule, now = Date.now()) => {
    const windowMs = rule.windowSec * 1000
    const current = Math.floor(now / windowMs)
    const base = `${prefixOf(bucket, rule)}:${key}`
    return [`${base}:${current}`, `${base}:${current - 1}`]
  }
  const lease = async (bucket: string, key: string, rule: RateRule, units: number): Promise<LimitResult> => {
    const windowMs = rule.windowSec * 1000
    const now = Date.now()
    const call = redis.eval<string[], [number, number]>(LEASE, windowKeys(bucket, key, rule, now), [
      String(rule.limit),
      String(units),
      String(now),
      String(windowMs),
    ])
    const answer = await withTimeout<[number, number] | undefined>(call, opts.timeoutMs, () => undefined)
    if (!answer) return failOpen(rule, 'timeout')
    const [granted, remaining] = answer
    const reset = now - (now % windowMs) + windowMs
    return { success: granted > 0, granted, limit: rule.limit, remaining: Math.max(0, remaining), reset }
  }
  /** Refunds and resets only ever loosen a limit: a failure is logged, never raised. */
  const settle = async (op: string, call: () => Promise<unknown>) => {
    try {
      await withTimeout(call(), opts.timeoutMs, () => {
        throw new Error(`Upstash ${op} did not answer in time`)
      })
    } catch (err) {
      log('warn', 'rate limiter backend error', { backend: 'upstash', op, ...errorFields(err) })
    }
  }
  return {
    name: 'upstash',
    async limit(bucket, key, rule, units = 1) {
      try {
        if (units > 1) return await lease(bucket, key, rule, units)
        const res = await limiterFor(bucket, rule).limit(key)
        opts.waitUntil?.(res.pending)
        if (res.reason === 'timeout') return failOpen(rule, 'timeout')
        return { success: res.success, limit: res.limit, remaining: Math.max(0, res.remaining), reset: res.reset }
      } catch (err) {
        log('warn', 'rate limiter backend error', { backend: 'upstash', ...errorFields(err) })
        return failOpen(rule, 'error')
      }
    },
    refund: (bucket, key, rule) => settle('refund', () => redis.eval(REFUND, windowKeys(bucket, key, rule), [])),
    reset: (bucket, key, rule) => settle('reset', () => redis.del(...windowKeys(bucket, key, rule))),
    async ping() {
      const pong = await redis.ping()
      if (pong !== 'PONG') throw new Error(`unexpected PING reply: ${String(pong)}`)
    },
  }
}
