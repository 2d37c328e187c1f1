import type { Config } from '../../env'
import { durableObjectBackend } from './durable'
import type { RateLimitBackend } from './types'
import { upstashBackend } from './upstash'

export type { LimitResult, RateLimitBackend, RateRule } from './types'

/** Upstash when its credentials are set, otherwise the RateLimiter Durable Object. */
export function rateLimitBackend(config: Config, waitUntil?: (p: Promise<unknown>) => void): RateLimitBackend {
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    return upstashBackend({
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
      timeoutMs: config.RATE_LIMIT_TIMEOUT_MS,
      waitUntil,
    })
  }
  return durableObjectBackend(config.bindings.RATE_LIMITER, config.RATE_LIMIT_TIMEOUT_MS)
}
