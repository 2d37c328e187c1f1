import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { createRouter } from '../src/lib/create-router'
import { ok } from '../src/lib/envelope'
import { exemptFromApiLimit, isExemptFromApiLimit } from '../src/lib/rate-limit/exempt'

describe('routes that declare themselves exempt from the API-wide limit', () => {
  it('are recognised through a mounted router, and only they are', async () => {
    const seen: boolean[] = []
    const outer = createRouter()
    outer.use(async (c, next) => {
      seen.push(isExemptFromApiLimit(c))
      await next()
    })
    const inner = createRouter()
    inner.get('/free', exemptFromApiLimit, (c) => ok(c, 'free'))
    inner.get('/counted', (c) => ok(c, 'counted'))
    outer.route('/v1', inner)
    for (const path of ['/v1/free', '/v1/counted', '/v1/unknown']) await outer.request(path, {}, env)
    expect(seen).toEqual([true, false, false])
  })

  it('leaves device ingest unlimited while the rest of the readings routes are counted', async () => {
    const tight = { ...env, RATE_LIMIT_API: '2/60' } as Env
    const headers = { 'cf-connecting-ip': '198.51.100.77', 'content-type': 'application/json' }
    const ingest = () =>
      app.request('/api/v1/readings/devices/T-nobody/readings', { method: 'POST', headers, body: '{}' }, tight)
    for (let i = 0; i < 4; i++) {
      const res = await ingest()
      expect(res.status).toBe(422)
      expect(res.headers.get('ratelimit-limit')).toBeNull()
    }
    const history = () => app.request(`/api/v1/readings/coldcells/${crypto.randomUUID()}/readings`, { headers }, tight)
    const statuses = [await history(), await history(), await history()].map((r) => r.status)
    expect(statuses).toEqual([401, 401, 429])
  })
})
