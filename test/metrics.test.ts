import { SELF } from 'cloudflare:test'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { describe, expect, it } from 'vitest'
import dashboard from '../docs/monitoring/grafana-dashboard.json'
import { type Batch, METRICS } from '../src/lib/metrics/catalog'
import { MetricsRecorder } from '../src/lib/metrics/recorder'
import { queueBacklog, sumMetrics } from '../src/dashboard-ui/prometheus'
import { renderPrometheus } from '../src/lib/metrics/render'
import { post, reading, seedDevice } from './coldchain-fixtures'
import { BASE, call, seedUser } from './helpers'
import { deliverBatch } from './queue-delivery'

const METRICS_TOKEN = 'test-metrics-token-0123456789'

type Family = {
  name: string
  type: string
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }[]
}

async function scrape(token = METRICS_TOKEN) {
  const res = await SELF.fetch(`${BASE}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(200)
  const text = await res.text()
  return { res, text, families: parsePrometheusTextFormat(text) as Family[] }
}

/** The value of one series (0 when it has not been recorded yet). */
function seriesValue(families: Family[], name: string, labels: Record<string, string>) {
  const series = families
    .find((f) => f.name === name)
    ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
  return Number(series?.value ?? 0)
}

describe('queue backlog', () => {
  it('counts the messages the app sends, by queue', async () => {
    const me = await seedUser()
    const before = (await scrape()).families
    const res = await call('POST', '/auth/forgot-password', undefined, { email: me.user.email })
    expect(res.status).toBe(202)
    // The email is enqueued after the answer (waitUntil): wait for it, then check nothing more came.
    const sent = async () =>
      moved(before, (await scrape()).families, 'outpost_queue_messages_total', { queue: 'email', outcome: 'sent' })
    for (let i = 0; i < 50 && (await sent()) < 1; i++) await new Promise((r) => setTimeout(r, 100))
    await new Promise((r) => setTimeout(r, 300))
    const after = (await scrape()).families
    expect(moved(before, after, 'outpost_queue_messages_total', { queue: 'email', outcome: 'sent' })).toBe(1)
  })

  it('is sent − acked − dead-lettered per queue in what /metrics renders (what the Operations view shows)', () => {
    const recorder = new MetricsRecorder()
    const tally = (queue: string, outcome: string, n: number) =>
      recorder.count('outpost_queue_messages_total', { queue, outcome }, n)
    tally('email', 'sent', 7)
    tally('email', 'acked', 4)
    tally('email', 'retried', 3) // still in the queue
    tally('email', 'dead_lettered', 1)
    tally('email-dlq', 'acked', 1) // the dead-letter consumer's own ack is not the email queue's
    tally('jobs', 'sent', 2)
    tally('jobs', 'acked', 3) // a redelivered message acked twice: never below 0
    const text = renderPrometheus(recorder.takeBatch())
    expect(queueBacklog(text, ['email', 'jobs'])).toEqual({ email: 2, jobs: 0 })
    expect(sumMetrics(text, ['outpost_queue_messages_total'])).toEqual({ outpost_queue_messages_total: 21 })
  })
})

describe('GET /metrics', () => {
  it('answers 401 without a token, 403 to a non-admin, and 200 to an admin or the metrics token', async () => {
    expect((await SELF.fetch(`${BASE}/metrics`)).status).toBe(401)
    const user = await seedUser()
    expect((await SELF.fetch(`${BASE}/metrics`, { headers: { authorization: `Bearer ${user.token}` } })).status).toBe(
      403,
    )
    const wrong = await SELF.fetch(`${BASE}/metrics`, { headers: { authorization: 'Bearer not-the-metrics-token' } })
    expect(wrong.status).toBe(401)
    const admin = await seedUser({ roles: ['admin'] })
    expect((await SELF.fetch(`${BASE}/metrics`, { headers: { authorization: `Bearer ${admin.token}` } })).status).toBe(
      200,
    )
    const { res } = await scrape()
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  })

  it('parses as Prometheus text and names every metric of the catalog, with its type', async () => {
    const { families } = await scrape()
    for (const [name, def] of Object.entries(METRICS)) {
      expect(families.find((f) => f.name === name)?.type, name).toBe(def.type.toUpperCase())
    }
    expect(families.find((f) => f.name === 'outpost_websocket_connections')?.type).toBe('GAUGE')
  })

  it('moves the request counters by exactly the requests made, by route pattern and status', async () => {
    const { user, token } = await seedUser()
    const route = { method: 'GET', route: '/api/v1/users/:id' }
    const before = await scrape()
    for (let i = 0; i < 3; i++) expect((await call('GET', `/users/${user.id}`, token)).status).toBe(200)
    for (let i = 0; i < 2; i++) expect((await call('GET', `/users/${crypto.randomUUID()}`, token)).status).toBe(404)
    const after = await scrape()
    const moved = (status: string) =>
      seriesValue(after.families, 'http_requests_total', { ...route, status }) -
      seriesValue(before.families, 'http_requests_total', { ...route, status })
    expect({ ok: moved('200'), notFound: moved('404') }).toEqual({ ok: 3, notFound: 2 })
    // The parser folds a histogram's labelled series into one: read the histogram's _count line itself.
    const timed = (text: string) =>
      Number(
        /^http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/users\/:id"\} (\d+)$/m.exec(text)?.[1] ??
          0,
      )
    expect(timed(after.text) - timed(before.text)).toBe(5)
  })
})

describe('cold-chain metrics', () => {
  it('counts stored readings and the alerts they open, by type', async () => {
    const d = await seedDevice({ maxTemp: 4, pendingReadings: 1 })
    const before = (await scrape()).families
    const res = await post(d.serialNumber, d.key, { readings: [reading(2), reading(9)] })
    expect(res.status).toBe(202)
    expect(await post(d.serialNumber, d.key, { readings: [] }).then((r) => r.status)).toBe(422)
    // The alert is counted in the device's Durable Object, whose batch reaches the store through waitUntil.
    let after = (await scrape()).families
    for (let i = 0; i < 50 && moved(before, after, 'outpost_alerts_opened_total', { type: 'HIGH_TEMP' }) < 1; i++) {
      await new Promise((r) => setTimeout(r, 100))
      after = (await scrape()).families
    }
    expect({
      readings: moved(before, after, 'outpost_readings_ingested_total', {}),
      opened: moved(before, after, 'outpost_alerts_opened_total', { type: 'HIGH_TEMP' }),
    }).toEqual({ readings: 2, opened: 1 })
  })
})

describe('queue metrics', () => {
  it('counts the messages a consumer acks, by queue', async () => {
    const before = (await scrape()).families
    const result = await deliverBatch('jobs', [
      { id: 'q1', body: { not: 'a job message' } },
      { id: 'q2', body: { executionId: 'also not one' } },
    ])
    expect(result.explicitAcks).toEqual(['q1', 'q2'])
    const after = (await scrape()).families
    expect(moved(before, after, 'outpost_queue_messages_total', { queue: 'jobs', outcome: 'acked' })).toBe(2)
  })
})

const moved = (before: Family[], after: Family[], name: string, labels: Record<string, string>) =>
  seriesValue(after, name, labels) - seriesValue(before, name, labels)

describe('metrics batching and rendering', () => {
  it('sends one batch per flush interval however many requests record into it', async () => {
    const recorder = new MetricsRecorder()
    const sent: Batch[] = []
    const send = async (b: Batch) => void sent.push(b)
    recorder.count('outpost_readings_ingested_total', {}, 2)
    const first = recorder.flushDue(send, 60_000)
    recorder.count('outpost_readings_ingested_total', {}, 3)
    expect(recorder.flushDue(send, 60_000)).toBeUndefined()
    await first
    expect(sent).toEqual([{ '["outpost_readings_ingested_total"]': [5] }])
  })

  it('renders histograms with cumulative buckets, a +Inf bucket, sum and count', () => {
    const recorder = new MetricsRecorder()
    recorder.observe('outpost_cron_execution_duration_seconds', { status: 'SUCCESS' }, 0.2)
    recorder.observe('outpost_cron_execution_duration_seconds', { status: 'SUCCESS' }, 120)
    const text = renderPrometheus(recorder.takeBatch())
    expect(text).toContain('outpost_cron_execution_duration_seconds_bucket{status="SUCCESS",le="0.1"} 0')
    expect(text).toContain('outpost_cron_execution_duration_seconds_bucket{status="SUCCESS",le="0.25"} 1')
    expect(text).toContain('outpost_cron_execution_duration_seconds_bucket{status="SUCCESS",le="60"} 1')
    expect(text).toContain('outpost_cron_execution_duration_seconds_bucket{status="SUCCESS",le="+Inf"} 2')
    expect(text).toContain('outpost_cron_execution_duration_seconds_sum{status="SUCCESS"} 120.2')
    expect(text).toContain('outpost_cron_execution_duration_seconds_count{status="SUCCESS"} 2')
  })

  it('has a Grafana dashboard whose queries name only metrics /metrics serves', () => {
    const served = new Set([
      ...Object.entries(METRICS).flatMap(([name, def]) =>
        def.type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
      ),
      'outpost_websocket_connections',
      'outpost_sse_connections',
      'outpost_realtime_channels',
    ])
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))
    const named = exprs.flatMap((e) => [...e.matchAll(/\b((?:http|outpost)_[a-z_]+)/g)].map((m) => m[1]!))
    expect(named.length).toBeGreaterThan(10)
    expect(named.filter((n) => !served.has(n))).toEqual([])
  })
})
