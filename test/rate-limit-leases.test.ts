// The API-wide limit takes units in leases (src/lib/rate-limit/leases.ts): one backend call per lease,
// the budget still exact within an isolate, on both backends.
import { env } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { loadConfig } from '../src/env'
import { rateLimitBackend } from '../src/lib/rate-limit'
import { leaseSize, limitLeased } from '../src/lib/rate-limit/leases'

const upstashVars = { UPSTASH_REDIS_REST_URL: env.TEST_UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: env.TEST_UPSTASH_TOKEN }
const backends = [
  { name: 'durable-object', vars: {}, available: true },
  { name: 'upstash', vars: upstashVars, available: Boolean(env.TEST_UPSTASH_URL) },
]

describe('lease sizes', () => {
  it('count small budgets one or two at a time and take at most a fiftieth of a large one', () => {
    expect(leaseSize({ limit: 5, windowSec: 900 })).toBe(1)
    expect(leaseSize({ limit: 100, windowSec: 900 })).toBe(2)
    expect(leaseSize({ limit: 1000, windowSec: 60 })).toBe(20)
    expect(leaseSize({ limit: 1_000_000_000, windowSec: 900 })).toBe(25)
  })
})

for (const backend of backends) {
  describe.runIf(backend.available)(`leases on ${backend.name}`, () => {
    const setup = () => {
      const limiter = rateLimitBackend(loadConfig({ ...env, ...backend.vars } as Env))
      const calls = vi.spyOn(limiter, 'limit')
      return { limiter, calls, bucket: `lease-${crypto.randomUUID()}` }
    }

    it('grant what is left of the budget when a lease asks for more', async () => {
      const { limiter, bucket } = setup()
      const rule = { limit: 7, windowSec: 60 }
      const first = await limiter.limit(bucket, 'k', rule, 5)
      expect(first).toMatchObject({ success: true, granted: 5, remaining: 2 })
      const second = await limiter.limit(bucket, 'k', rule, 5)
      expect(second.success).toBe(true)
      expect(second.granted).toBeGreaterThanOrEqual(1)
      expect(second.granted).toBeLessThanOrEqual(2)
      let taken = 5 + second.granted!
      while (taken < 7) taken += (await limiter.limit(bucket, 'k', rule, 5)).granted!
      expect(await limiter.limit(bucket, 'k', rule, 5)).toMatchObject({ success: false, granted: 0 })
    })

    it('let exactly the budget through, one backend call per lease', async () => {
      const { limiter, calls, bucket } = setup()
      const rule = { limit: 100, windowSec: 60 } // leases of 2
      const results = []
      for (let i = 0; i < 101; i++) results.push(await limitLeased(limiter, bucket, 'client', rule))
      expect(results.filter((r) => r.success)).toHaveLength(100)
      expect(results[100]!.success).toBe(false)
      expect(calls).toHaveBeenCalledTimes(51)
      // What the client still has counts the units this isolate holds.
      expect(results.slice(0, 4).map((r) => r.remaining)).toEqual([99, 98, 97, 96])
    })

    it('take one lease for concurrent requests, not one each', async () => {
      const { limiter, calls, bucket } = setup()
      const rule = { limit: 1000, windowSec: 60 } // leases of 20
      const results = await Promise.all(Array.from({ length: 50 }, () => limitLeased(limiter, bucket, 'busy', rule)))
      expect(results.every((r) => r.success)).toBe(true)
      expect(calls).toHaveBeenCalledTimes(3) // 20 + 20 + 10 of the third lease
      // The next 10 requests spend what the third lease left: no call.
      for (let i = 0; i < 10; i++) expect((await limitLeased(limiter, bucket, 'busy', rule)).success).toBe(true)
      expect(calls).toHaveBeenCalledTimes(3)
    })

    it('answer waiters with the refusal their lease met', async () => {
      const { limiter, calls, bucket } = setup()
      const rule = { limit: 100, windowSec: 60 } // leases of 2
      for (let i = 0; i < 100; i++) await limitLeased(limiter, bucket, 'spent', rule)
      calls.mockClear()
      const results = await Promise.all(Array.from({ length: 30 }, () => limitLeased(limiter, bucket, 'spent', rule)))
      expect(results.every((r) => !r.success)).toBe(true)
      expect(calls).toHaveBeenCalledTimes(1)
    })

    it('never let concurrent requests exceed the budget', async () => {
      const { limiter, bucket } = setup()
      const rule = { limit: 100, windowSec: 60 }
      const results = await Promise.all(Array.from({ length: 130 }, () => limitLeased(limiter, bucket, 'c', rule)))
      expect(results.filter((r) => r.success).length).toBeLessThanOrEqual(100)
    })
  })
}

describe('the API-wide limit with leases', () => {
  it('serves an ordinary client its whole budget, then answers 429', async () => {
    const vars = { ...env, RATE_LIMIT_API: '100/3600' } as Env // leases of 2; an hour, so no window edge falls inside the run
    const ip = `198.18.0.${Math.floor(Math.random() * 250)}`
    const statuses: number[] = []
    for (let i = 0; i < 101; i++) {
      statuses.push((await app.request('/api/v1/nope', { headers: { 'cf-connecting-ip': ip } }, vars)).status)
    }
    expect(statuses.slice(0, 100).every((s) => s === 404)).toBe(true)
    expect(statuses[100]).toBe(429)
  })
})
