import { Redis } from '@upstash/redis/cloudflare'
import type { Config } from '../env'
import { errorFields, log } from './logger'
import { count } from './metrics/recorder'
import { withTimeout } from './rate-limit/types'

/** Seed 001's cache keys, under the app's own prefix so they never meet the rate limiter's. */
export const CACHE_KEYS = {
  USER_PROJECTS: (userId: string) => `user:${userId}:projects`,
  PROJECT: (id: string) => `project:${id}`,
  PROJECT_MEMBERS: (projectId: string) => `project:${projectId}:members`,
  TASK: (id: string) => `task:${id}`,
}

/** Seed 001's TTLs, in seconds. */
export const CACHE_TTL = { USER: 3600, PROJECT: 1800, TASK: 900 }

export type CacheStats = { hits: number; misses: number; errors: number }

export type Cache = {
  /** False without Upstash credentials: callers may then skip work that only serves the cache. */
  readonly enabled: boolean
  /**
   * `key`'s cached value, else `load()`'s, stored for `ttlSec` unless the key was invalidated
   * while it loaded. Redis down or slower than the limiter's timeout: `load()`, as if uncached.
   * A `variant` (one page or filter of a list) is its own entry under `key`'s generation, so
   * invalidating `key` retires every variant at once.
   */
  read<T>(key: string, ttlSec: number, load: () => Promise<T>, variant?: string): Promise<T>
  /** After a write, before answering: no read that began before it can return or store the old value. */
  invalidate(...keys: string[]): Promise<void>
}

const PREFIX = 'outpost:cache:'
/** A generation outlives every entry written under it (the longest TTL), so a reset to 0 is harmless. */
const GENERATION_TTL_SEC = 2 * CACHE_TTL.USER

// Stores an entry only if no invalidation happened since the reader read the generation. The
// generation's TTL is renewed with every store, so it outlives every entry written under it: a
// variant entry is never deleted by an invalidation, only outdated, and must not become current
// again when an expired generation restarts from 0.
const SET_IF_CURRENT = `local gen = redis.call('GET', KEYS[2])
if tonumber(gen or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
if gen then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4])) end
return 1`

// KEYS come in pairs (entry, generation): a new generation, then the entry goes.
const INVALIDATE = `for i = 1, #KEYS, 2 do
  redis.call('INCR', KEYS[i + 1])
  redis.call('EXPIRE', KEYS[i + 1], tonumber(ARGV[1]))
  redis.call('DEL', KEYS[i])
end
return 1`

type Entry = { g: number; v: unknown }

const stats: CacheStats = { hits: 0, misses: 0, errors: 0 }

/** This isolate's counts since it started; /metrics has them as `outpost_cache_requests_total{cache="upstash"}`. */
export const cacheStats = (): CacheStats => ({ ...stats })

const off: Cache = { enabled: false, read: (_key, _ttl, load) => load(), invalidate: async () => {} }
const caches = new WeakMap<Config, Cache>()

/** The cache-aside store on Upstash; without Upstash credentials the cache is off (every read loads). */
export function cacheOf(config: Config): Cache {
  if (!config.UPSTASH_REDIS_REST_URL || !config.UPSTASH_REDIS_REST_TOKEN) return off
  let cache = caches.get(config)
  if (!cache) {
    cache = upstashCache(
      new Redis({
        url: config.UPSTASH_REDIS_REST_URL,
        token: config.UPSTASH_REDIS_REST_TOKEN,
        retry: false,
        enableTelemetry: false,
        enableAutoPipelining: false,
      }),
      config.RATE_LIMIT_TIMEOUT_MS,
    )
    caches.set(config, cache)
  }
  return cache
}

function upstashCache(redis: Redis, timeoutMs: number): Cache {
  const failed = (op: string) => (err: unknown) => {
    stats.errors++
    count('outpost_cache_requests_total', { cache: 'upstash', result: 'error' })
    log('warn', 'cache unavailable', { op, ...errorFields(err) })
    return undefined
  }
  const bounded = <T>(p: Promise<T>) =>
    withTimeout(p, timeoutMs, () => {
      throw new Error(`no answer within ${timeoutMs} ms`)
    })
  return {
    enabled: true,
    async read<T>(key: string, ttlSec: number, load: () => Promise<T>, variant?: string) {
      const gk = `${PREFIX}${key}:gen`
      const k = variant === undefined ? PREFIX + key : `${PREFIX}${key}|${variant}`
      const got = await bounded(redis.mget<[Entry | null, number | null]>(k, gk)).catch(failed('read'))
      if (!got) return load()
      const [entry, gen] = got
      const g = Number(gen ?? 0)
      if (entry && entry.g === g) {
        stats.hits++
        count('outpost_cache_requests_total', { cache: 'upstash', result: 'hit' })
        return entry.v as T
      }
      stats.misses++
      count('outpost_cache_requests_total', { cache: 'upstash', result: 'miss' })
      const value = await load()
      await bounded(
        redis.eval(
          SET_IF_CURRENT,
          [k, gk],
          [String(g), JSON.stringify({ g, v: value }), String(ttlSec), String(GENERATION_TTL_SEC)],
        ),
      ).catch(failed('store'))
      return value
    },
    async invalidate(...keys: string[]) {
      if (!keys.length) return
      const pairs = keys.flatMap((key) => [PREFIX + key, `${PREFIX}${key}:gen`])
      await bounded(redis.eval(INVALIDATE, pairs, [String(GENERATION_TTL_SEC)])).catch(failed('invalidate'))
    },
  }
}
