import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { loadConfig } from '../src/env'
import { createRouter } from '../src/lib/create-router'
import { ok } from '../src/lib/envelope'
import { rateLimitBackend } from '../src/lib/rate-limit'
import { durableObjectBackend } from '../src/lib/rate-limit/durable'
import { rateLimit } from '../src/lib/rate-limit/middleware'
import { withTimeout } from '../src/lib/rate-limit/types'
import { upstashBackend } from '../src/lib/rate-limit/upstash'
import type { RateLimiter } from '../src/objects/rate-limiter'

/** A router whose one route is limited to 3 per minute; `vars` switches the backend. */
function limited(opts: { failClosed?: boolean } = {}) {
  const bucket = `test-${crypto.randomUUID()}`
  const router = createRouter()
  router.use('*', async (c, next) => {
    c.set('config', loadConfig(c.env))
    await next()
  })
  router.use('*', rateLimit({ bucket, rule: () => ({ limit: 3, windowSec: 60 }), failClosed: opts.failClosed }))
  router.get('/ping', (c) => ok(c, 'pong'))
  return (vars: Partial<Env> = {}, ip = '203.0.113.7') =>
    router.request('/ping', { headers: { 'cf-connecting-ip': ip } }, { ...env, ...vars })
}

const upstashVars = { UPSTASH_REDIS_REST_URL: env.TEST_UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: env.TEST_UPSTASH_TOKEN }
const hasRedis = Boolean(env.TEST_UPSTASH_URL)
const backends = [
  { name: 'durable-object', vars: {}, available: true },
  {
    name: hasRedis
      ? 'upstash (redis-server behind a local Upstash REST server)'
      : 'upstash: SKIPPED, no redis-server on PATH (apt-get install redis-server; CI installs it)',
    vars: upstashVars,
    available: hasRedis,
  },
]

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

for (const backend of backends) {
  describe.runIf(backend.available)(`rate limit middleware on ${backend.name}`, () => {
    it('lets the limit through with RateLimit-* headers, then answers 429 with Retry-After', async () => {
      const hit = limited()
      const statuses: number[] = []
      const remaining: (string | null)[] = []
      for (let i = 0; i < 5; i++) {
        const res = await hit(backend.vars)
        statuses.push(res.status)
        remaining.push(res.headers.get('ratelimit-remaining'))
        if (res.status === 429) {
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
          expect(res.headers.get('ratelimit-limit')).toBe('3')
          expect((await res.json<{ error: { code: string } }>()).error.code).toBe('RATE_LIMITED')
        }
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429])
      expect(remaining).toEqual(['2', '1', '0', '0', '0'])
    })

    it('counts each client separately', async () => {
      const hit = limited()
      for (let i = 0; i < 3; i++) await hit(backend.vars, '198.51.100.1')
      expect((await hit(backend.vars, '198.51.100.1')).status).toBe(429)
      expect((await hit(backend.vars, '198.51.100.2')).status).toBe(200)
    })

    it('never lets concurrent requests exceed the limit', async () => {
      const hit = limited()
      const results = await Promise.all(Array.from({ length: 10 }, () => hit(backend.vars)))
      expect(results.filter((r) => r.status === 200)).toHaveLength(3)
    })
  })

  describe.runIf(backend.available)(`refund and reset on ${backend.name}`, () => {
    const rule = { limit: 4, windowSec: 60 }
    const setup = () => {
      const limiter = rateLimitBackend(loadConfig({ ...env, ...backend.vars } as Env))
      const bucket = `t-${crypto.randomUUID()}`
      const take = async (n: number) => {
        const out: boolean[] = []
        for (let i = 0; i < n; i++) out.push((await limiter.limit(bucket, 'k', rule)).success)
        return out
      }
      return { limiter, bucket, take }
    }
    // One second before a window boundary a few minutes ahead (no idle-cleanup alarm fires meanwhile);
    // the clock stands still (fake Date) so no boundary passes unplanned.
    const beforeBoundary = () => (Math.floor(Date.now() / 60_000) + 5) * 60_000 - 1000

    it('refund gives one hit back, reset forgets them all', async () => {
      vi.useFakeTimers({ toFake: ['Date'] })
      vi.setSystemTime(beforeBoundary() - 30_000)
      const { limiter, bucket, take } = setup()
      expect(await take(5)).toEqual([true, true, true, true, false])
      await limiter.refund(bucket, 'k', rule)
      expect(await take(2)).toEqual([true, false])
      await limiter.reset(bucket, 'k', rule)
      expect(await take(5)).toEqual([true, true, true, true, false])
    })

    it('refund and reset reach the previous window, which still weighs after a boundary', async () => {
      vi.useFakeTimers({ toFake: ['Date'] })
      const t0 = beforeBoundary()
      vi.setSystemTime(t0)
      const { limiter, bucket, take } = setup()
      expect(await take(4)).toEqual([true, true, true, true])
      // 2 s later, in the next window: floor(4 × 58/60) = 3 still count, so 1 fits.
      vi.setSystemTime(t0 + 2000)
      await limiter.refund(bucket, 'k', rule)
      // The refund came off the previous window: floor(3 × 58/60) = 2 count, so 2 fit.
      expect(await take(3)).toEqual([true, true, false])
      await limiter.reset(bucket, 'k', rule)
      expect(await take(5)).toEqual([true, true, true, true, false])
    })
  })
}

describe('withTimeout', () => {
  it('rejects with what onTimeout throws (a throw must not escape into the timer and hang the race)', async () => {
    const never = new Promise<string>(() => {})
    await expect(
      withTimeout(never, 10, () => {
        throw new Error('too slow')
      }),
    ).rejects.toThrow('too slow')
  })
})

describe('when the limiter backend does not answer', () => {
  // Simulates an unreachable Upstash at the fetch boundary: the request never completes.
  const hang = () => vi.spyOn(globalThis, 'fetch').mockImplementation(() => new Promise<Response>(() => {}))
  const slowUpstash = {
    UPSTASH_REDIS_REST_URL: 'https://unreachable.upstash.test',
    UPSTASH_REDIS_REST_TOKEN: 'x',
    RATE_LIMIT_TIMEOUT_MS: '100',
  }

  it('fails open by default, so an outage of Redis does not take the API down', async () => {
    hang()
    const res = await limited()(slowUpstash)
    expect(res.status).toBe(200)
  })

  it('fails closed with 503 on routes that ask for it (auth)', async () => {
    hang()
    const res = await limited({ failClosed: true })(slowUpstash)
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBeTruthy()
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('SERVICE_UNAVAILABLE')
  })

  it('fails closed when Upstash refuses the connection', async () => {
    const res = await limited({ failClosed: true })({
      ...slowUpstash,
      UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
      RATE_LIMIT_TIMEOUT_MS: '2000',
    })
    expect(res.status).toBe(503)
  })
})

describe('RateLimiter Durable Object (sliding window)', () => {
  const stub = () => env.RATE_LIMITER.get(env.RATE_LIMITER.newUniqueId()) as DurableObjectStub<RateLimiter>

  it('weights the previous window by its remaining overlap', async () => {
    const limiter = stub()
    // A window boundary in the near future (the idle-cleanup alarm must not fire mid-test).
    const t0 = (Math.floor(Date.now() / 60_000) + 5) * 60_000
    for (let i = 0; i < 4; i++) expect((await limiter.limit(4, 60_000, t0 + 1000)).success).toBe(true)
    expect((await limiter.limit(4, 60_000, t0 + 2000)).success).toBe(false)
    // Halfway into the next window, half of the previous 4 still count: 2 more fit.
    const next = t0 + 60_000 + 30_000
    expect((await limiter.limit(4, 60_000, next)).success).toBe(true)
    expect((await limiter.limit(4, 60_000, next)).success).toBe(true)
    expect((await limiter.limit(4, 60_000, next)).success).toBe(false)
  })

  it('persists its window and schedules cleanup of idle keys', async () => {
    const limiter = stub()
    await limiter.limit(10, 60_000)
    await runInDurableObject(limiter, async (_instance, state) => {
      expect(await state.storage.get('w')).toMatchObject({ count: 1 })
      expect(await state.storage.getAlarm()).toBeGreaterThan(Date.now())
    })
  })

  it('durableObjectBackend reports success, remaining and reset', async () => {
    const backend = durableObjectBackend(env.RATE_LIMITER, 1000)
    const r = await backend.limit(`b-${crypto.randomUUID()}`, 'k', { limit: 2, windowSec: 10 })
    expect(r).toMatchObject({ success: true, limit: 2, remaining: 1 })
    expect(r.reset).toBeGreaterThan(Date.now())
  })
})

describe.runIf(hasRedis)('Upstash backend health', () => {
  it('answers PING through the REST protocol', async () => {
    await expect(
      upstashBackend({ url: env.TEST_UPSTASH_URL, token: env.TEST_UPSTASH_TOKEN, timeoutMs: 1000 }).ping(),
    ).resolves.toBeUndefined()
  })
})

describe('the API-wide limit (RATE_LIMIT_API)', () => {
  const tight = { ...env, RATE_LIMIT_API: '2/60' } as Env
  const get = (path: string, ip: string) => app.request(path, { headers: { 'cf-connecting-ip': ip } }, tight)

  it('limits every /api/v1 route per client IP, unknown paths included', async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250)}`
    const statuses = [await get('/api/v1/nope', ip), await get('/api/v1/nope', ip), await get('/api/v1/nope', ip)].map(
      (r) => r.status,
    )
    expect(statuses).toEqual([404, 404, 429])
  })

  it('never limits the health probes', async () => {
    const ip = '192.0.2.251'
    for (let i = 0; i < 4; i++) expect((await get('/api/v1/health/liveness', ip)).status).toBe(200)
  })
})
