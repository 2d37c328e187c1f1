// Cache-aside on Upstash (src/lib/cache.ts) against the local Redis behind the REST shim: reads go
// through, writes invalidate, a read racing a write never brings the old value back, and without
// Redis (none configured, or down) every read still answers from its loader.
import { Redis } from '@upstash/redis/cloudflare'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/env'
import { cacheOf, cacheStats } from '../src/lib/cache'

const upstash = loadConfig({
  ...env,
  UPSTASH_REDIS_REST_URL: env.TEST_UPSTASH_URL,
  UPSTASH_REDIS_REST_TOKEN: env.TEST_UPSTASH_TOKEN,
} as Env)
const key = () => `test:${crypto.randomUUID()}`

/** A loader returning the current `value` of a fake row, counting its calls. */
function row<T>(value: T) {
  const r = {
    value,
    loads: 0,
    load: async () => {
      r.loads++
      return r.value
    },
  }
  return r
}

describe.runIf(Boolean(env.TEST_UPSTASH_URL))('cache-aside on Upstash', () => {
  const cache = cacheOf(upstash)

  it('loads once, then answers from Redis, counting hits and misses', async () => {
    const k = key()
    const r = row({ name: 'Apollo', n: 1 })
    const before = cacheStats()
    expect(await cache.read(k, 60, r.load)).toEqual({ name: 'Apollo', n: 1 })
    expect(await cache.read(k, 60, r.load)).toEqual({ name: 'Apollo', n: 1 })
    expect(r.loads).toBe(1)
    const after = cacheStats()
    expect(after.misses - before.misses).toBe(1)
    expect(after.hits - before.hits).toBeGreaterThanOrEqual(1)
  })

  it('never returns the old value after a write invalidated it', async () => {
    const k = key()
    const r = row('v1')
    await cache.read(k, 60, r.load)
    r.value = 'v2'
    await cache.invalidate(k)
    expect(await cache.read(k, 60, r.load)).toBe('v2')
    expect(await cache.read(k, 60, r.load)).toBe('v2')
    expect(r.loads).toBe(2)
  })

  it('does not store what a read loaded before a write that finished first', async () => {
    const k = key()
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    // The reader misses and loads the old row, slowly; meanwhile the row changes and the key is invalidated.
    const slowRead = cache.read(k, 60, async () => {
      await gate
      return 'old'
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await cache.invalidate(k)
    release()
    expect(await slowRead).toBe('old') // that read began before the write: it may answer what it saw
    const r = row('new')
    expect(await cache.read(k, 60, r.load)).toBe('new')
    expect(r.loads).toBe(1)
  })

  it('invalidates several keys at once and tolerates keys never cached', async () => {
    const [a, b] = [key(), key()]
    const ra = row(1)
    const rb = row(2)
    await cache.read(a, 60, ra.load)
    await cache.read(b, 60, rb.load)
    await cache.invalidate(a, b, key())
    await cache.read(a, 60, ra.load)
    await cache.read(b, 60, rb.load)
    expect([ra.loads, rb.loads]).toEqual([2, 2])
  })

  it('keeps variants of a key apart and retires them all with one invalidation', async () => {
    const k = key()
    const [a, b] = [row('page 1'), row('page 2')]
    for (let i = 0; i < 2; i++) {
      expect(await cache.read(k, 60, a.load, 'a')).toBe('page 1')
      expect(await cache.read(k, 60, b.load, 'b')).toBe('page 2')
    }
    expect([a.loads, b.loads]).toEqual([1, 1])
    await cache.invalidate(k)
    await cache.read(k, 60, a.load, 'a')
    await cache.read(k, 60, b.load, 'b')
    expect([a.loads, b.loads]).toEqual([2, 2])
  })

  it('renews a generation with every store, so it outlives the entries written under it', async () => {
    const redis = new Redis({ url: env.TEST_UPSTASH_URL, token: env.TEST_UPSTASH_TOKEN, enableTelemetry: false })
    const k = key()
    const gen = `outpost:cache:${k}:gen`
    await cache.invalidate(k)
    await redis.expire(gen, 5)
    await cache.read(k, 60, row('v').load, 'a')
    expect(await redis.ttl(gen)).toBeGreaterThan(60)
  })
})

describe('without Redis', () => {
  it('is off when Upstash is not configured: every read loads', async () => {
    const cache = cacheOf(loadConfig({ ...env, UPSTASH_REDIS_REST_URL: '', UPSTASH_REDIS_REST_TOKEN: '' } as Env))
    const r = row('fresh')
    expect(await cache.read(key(), 60, r.load)).toBe('fresh')
    expect(await cache.read(key(), 60, r.load)).toBe('fresh')
    expect(r.loads).toBe(2)
    await expect(cache.invalidate(key())).resolves.toBeUndefined()
  })

  it('falls back to the loader when Redis is down, and a write still succeeds', async () => {
    const cache = cacheOf(
      loadConfig({
        ...env,
        UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
        UPSTASH_REDIS_REST_TOKEN: 't',
        RATE_LIMIT_TIMEOUT_MS: '200',
      } as Env),
    )
    const before = cacheStats().errors
    const r = row('from postgres')
    expect(await cache.read(key(), 60, r.load)).toBe('from postgres')
    await expect(cache.invalidate(key())).resolves.toBeUndefined()
    expect(cacheStats().errors - before).toBe(2)
  })
})
