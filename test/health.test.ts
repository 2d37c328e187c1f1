import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { api, data } from './helpers'

type Health = {
  status: string
  checks: Record<string, { status: string; latencyMs: number; backend?: string; error?: string }>
}

// Postgres stopped, as the Worker sees it: nothing accepts connections at the address.
const postgresDown = { ...env, DATABASE_URL: 'postgres://postgres:password@127.0.0.1:9/outpost' } as Env

describe('health', () => {
  it('reports Postgres, the rate limiter and the queues as ok, each with a latency', async () => {
    const res = await api<Health>('/api/v1/health')
    expect(res.status).toBe(200)
    const health = data(res)
    expect(health.status).toBe('ok')
    for (const name of ['postgres', 'rateLimiter', 'queues']) {
      expect(health.checks[name]!.status).toBe('ok')
      expect(health.checks[name]!.latencyMs).toBeGreaterThanOrEqual(0)
    }
    expect(health.checks.rateLimiter!.backend).toBe('durable-object')
  })

  it('is ready when Postgres answers', async () => {
    const res = await api<Health>('/api/v1/health/readiness')
    expect(res.status).toBe(200)
    expect(data(res).checks.postgres!.status).toBe('ok')
  })

  it('answers liveness without touching Postgres, even when it is down', async () => {
    const res = await app.request('/api/v1/health/liveness', {}, postgresDown)
    expect(res.status).toBe(200)
  })

  it('answers readiness 503 SERVICE_UNAVAILABLE when Postgres is down, without crashing', async () => {
    const res = await app.request('/api/v1/health/readiness', {}, postgresDown)
    expect(res.status).toBe(503)
    const body = await res.json<{ success: boolean; error: { code: string; details: { checks: Health['checks'] } } }>()
    expect(body.success).toBe(false)
    expect(body.error.code).toBe('SERVICE_UNAVAILABLE')
    expect(body.error.details.checks.postgres!.status).toBe('down')
  })

  it('answers health 503 with every check when Postgres is down, and keeps serving after', async () => {
    const res = await app.request('/api/v1/health', {}, postgresDown)
    expect(res.status).toBe(503)
    const body = await res.json<{ error: { details: { checks: Health['checks'] } } }>()
    expect(body.error.details.checks.postgres!.status).toBe('down')
    expect(body.error.details.checks.rateLimiter!.status).toBe('ok')
    expect((await api('/api/v1/health')).status).toBe(200)
  })

  it('reports a degraded (200) health when only the rate-limit backend is down', async () => {
    const vars = { ...env, UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9', UPSTASH_REDIS_REST_TOKEN: 't' } as Env
    const res = await app.request('/api/v1/health', {}, vars)
    expect(res.status).toBe(200)
    const body = await res.json<{ data: Health }>()
    expect(body.data.status).toBe('degraded')
    expect(body.data.checks.rateLimiter).toMatchObject({ status: 'down', backend: 'upstash' })
  })
})
