import { SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { executions, jobs, type Execution, type Job } from '../src/db/schema'
import { api, BASE, data, error, seedUser, withDb } from './helpers'

type Stats = {
  jobs: { total: number; active: number; paused: number }
  executions24h: { total: number; success: number; failed: number; pending: number }
  successRate: number | null
  avgDurationMs: number | null
}
type Analytics = {
  days: number
  successRate: number | null
  trend: { date: string; success: number; failed: number }[]
  hourly: { hour: number; executions: number }[]
  slowestJobs: { jobId: string; name: string; avgDurationMs: number; runs: number }[]
}
type Run = { job: Job; at: Date; status: Execution['status']; durationMs?: number }

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** 00:00 UTC today, in ms. */
const startOfTodayUtc = () => {
  const now = new Date()
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
}
/** A moment `daysAgo` UTC days before today, at hh:mm UTC (always in the past for daysAgo ≥ 1). */
const dayAt = (daysAgo: number, hh: number, mm = 0) =>
  new Date(startOfTodayUtc() - daysAgo * DAY + hh * HOUR + mm * MINUTE)
const hoursAgo = (h: number) => new Date(Date.now() - h * HOUR)
const utcDate = (d: Date) => d.toISOString().slice(0, 10)

async function seedJobs(userId: string, specs: { name: string; status?: Job['status'] }[]) {
  return withDb((db) =>
    db
      .insert(jobs)
      .values(
        specs.map((s) => ({
          userId,
          name: s.name,
          cronExpression: '*/5 * * * *',
          targetUrl: 'https://example.com/hook',
          status: s.status ?? 'ACTIVE',
          pausedReason: s.status === 'PAUSED' ? 'USER' : null,
          nextRunAt: s.status === 'PAUSED' ? null : new Date(Date.now() + 5 * MINUTE),
        })),
      )
      .returning(),
  )
}

/** Execution rows as the dispatcher and consumer leave them: attempts, HTTP status, start and finish times. */
async function seedRuns(runs: Run[]) {
  await withDb((db) =>
    db.insert(executions).values(
      runs.map(({ job, at, status, durationMs }) => {
        const finished = status === 'SUCCESS' || status === 'FAILED'
        return {
          jobId: job.id,
          userId: job.userId,
          scheduledFor: at,
          createdAt: at,
          status,
          attempt: status === 'PENDING' ? 0 : 1,
          httpStatus: status === 'SUCCESS' ? 200 : status === 'FAILED' || status === 'RETRYING' ? 503 : null,
          durationMs: durationMs ?? null,
          error: status === 'FAILED' || status === 'RETRYING' ? 'HTTP_5XX' : null,
          startedAt: status === 'PENDING' ? null : at,
          finishedAt: finished ? new Date(at.getTime() + (durationMs ?? 0)) : null,
        }
      }),
    ),
  )
}

const getStats = (token: string) => api<Stats>('/api/v1/stats', { token })
const getAnalytics = (token: string, query = '') => api<Analytics>(`/api/v1/stats/analytics${query}`, { token })

/** The expected trend: one entry per UTC day, oldest first, from `{ daysAgo: [success, failed] }`. */
const expectedTrend = (days: number, counts: Record<number, [number, number]>) =>
  Array.from({ length: days }, (_, i) => {
    const daysAgo = days - 1 - i
    const [success, failed] = counts[daysAgo] ?? [0, 0]
    return { date: utcDate(dayAt(daysAgo, 12)), success, failed }
  })

/** The expected hourly distribution: 24 buckets from `{ hour: executions }`. */
const expectedHourly = (counts: Record<number, number>) =>
  Array.from({ length: 24 }, (_, hour) => ({ hour, executions: counts[hour] ?? 0 }))

describe('GET /stats', () => {
  let dave: { token: string }
  let erin: { token: string }

  beforeAll(async () => {
    const d = await seedUser()
    const e = await seedUser()
    dave = d
    erin = e
    const [a, b, c] = await seedJobs(d.user.id, [
      { name: 'Nightly backup' },
      { name: 'Invoice sync' },
      { name: 'Old report', status: 'PAUSED' },
    ])
    await seedRuns([
      { job: a!, at: hoursAgo(1), status: 'SUCCESS', durationMs: 100 },
      { job: a!, at: hoursAgo(2), status: 'SUCCESS', durationMs: 300 },
      { job: b!, at: hoursAgo(3), status: 'FAILED', durationMs: 800 },
      { job: a!, at: hoursAgo(5), status: 'PENDING' },
      { job: b!, at: hoursAgo(6), status: 'RUNNING' },
      { job: b!, at: hoursAgo(7), status: 'RETRYING', durationMs: 50 },
      { job: c!, at: hoursAgo(23), status: 'SUCCESS', durationMs: 200 },
      // Older than 24 h: counted nowhere in /stats.
      { job: a!, at: hoursAgo(25), status: 'FAILED', durationMs: 9999 },
      { job: b!, at: hoursAgo(72), status: 'SUCCESS', durationMs: 10 },
    ])
    const [x] = await seedJobs(e.user.id, [{ name: 'Erin ping' }])
    await seedRuns([
      { job: x!, at: hoursAgo(1), status: 'FAILED', durationMs: 5000 },
      { job: x!, at: hoursAgo(2), status: 'PENDING' },
    ])
  })

  it('counts the caller’s jobs by status and the last 24 h of their executions', async () => {
    const res = await getStats(dave.token)
    expect(res.status).toBe(200)
    expect(data(res)).toEqual({
      jobs: { total: 3, active: 2, paused: 1 },
      executions24h: { total: 7, success: 3, failed: 1, pending: 3 },
      successRate: 0.75,
      avgDurationMs: 350,
    })
  })

  it('never counts another user’s jobs or executions', async () => {
    expect(data(await getStats(erin.token))).toEqual({
      jobs: { total: 1, active: 1, paused: 0 },
      executions24h: { total: 2, success: 0, failed: 1, pending: 1 },
      successRate: 0,
      avgDurationMs: 5000,
    })
  })

  it('gives zero counts and null rates to a user with no jobs', async () => {
    const { token } = await seedUser()
    expect(data(await getStats(token))).toEqual({
      jobs: { total: 0, active: 0, paused: 0 },
      executions24h: { total: 0, success: 0, failed: 0, pending: 0 },
      successRate: null,
      avgDurationMs: null,
    })
  })

  it('answers 401 without a token or with a bad one', async () => {
    const res = await api('/api/v1/stats')
    expect(res.status).toBe(401)
    expect(error(res).code).toBe('UNAUTHORIZED')
    expect((await getStats('not-a-jwt')).status).toBe(401)
  })
})

describe('GET /stats/analytics', () => {
  let carol: { token: string }
  let ids: Record<'backup' | 'invoices' | 'cache' | 'report' | 'ping' | 'relay', string>
  let nowHour: number

  beforeAll(async () => {
    const c = await seedUser()
    const b = await seedUser()
    carol = c
    const [backup, invoices, cache, report, ping, relay] = await seedJobs(c.user.id, [
      { name: 'Nightly backup' },
      { name: 'Invoice sync' },
      { name: 'Cache warm' },
      { name: 'Weekly report', status: 'PAUSED' },
      { name: 'Ping' },
      { name: 'Webhook relay' },
    ])
    ids = {
      backup: backup!.id,
      invoices: invoices!.id,
      cache: cache!.id,
      report: report!.id,
      ping: ping!.id,
      relay: relay!.id,
    }
    const now = new Date()
    nowHour = now.getUTCHours()
    await seedRuns([
      { job: backup!, at: dayAt(1, 3, 15), status: 'SUCCESS', durationMs: 200 },
      { job: backup!, at: dayAt(1, 3, 45), status: 'SUCCESS', durationMs: 400 },
      { job: backup!, at: now, status: 'PENDING' },
      { job: backup!, at: dayAt(8, 10), status: 'SUCCESS', durationMs: 9000 },
      { job: invoices!, at: dayAt(2, 14), status: 'FAILED', durationMs: 1000 },
      // A retry still in flight: an execution of hour 14, but no outcome and no finished duration.
      { job: invoices!, at: dayAt(2, 14, 5), status: 'RETRYING', durationMs: 7000 },
      { job: invoices!, at: dayAt(3, 14, 30), status: 'SUCCESS', durationMs: 3000 },
      { job: cache!, at: dayAt(6, 23, 30), status: 'SUCCESS', durationMs: 50 },
      { job: cache!, at: dayAt(29, 0, 30), status: 'SUCCESS', durationMs: 50 },
      // The day before a 30-day period starts, and well before it: outside every period.
      { job: cache!, at: dayAt(30, 23, 30), status: 'SUCCESS', durationMs: 50 },
      { job: ping!, at: dayAt(40, 10), status: 'SUCCESS', durationMs: 100_000 },
      { job: report!, at: dayAt(4, 9), status: 'FAILED', durationMs: 800 },
      { job: report!, at: dayAt(4, 9, 10), status: 'FAILED', durationMs: 600 },
      { job: ping!, at: dayAt(5, 0, 5), status: 'SUCCESS', durationMs: 20 },
      { job: relay!, at: dayAt(1, 12), status: 'SUCCESS', durationMs: 1500 },
    ])
    // Another user's runs on the same days, at an hour Carol never uses, far slower than hers.
    const [slow] = await seedJobs(b.user.id, [{ name: 'Someone else’s export' }])
    await seedRuns([
      { job: slow!, at: dayAt(1, 5), status: 'SUCCESS', durationMs: 99_999 },
      { job: slow!, at: dayAt(2, 5), status: 'FAILED', durationMs: 50_000 },
      { job: slow!, at: dayAt(12, 5), status: 'FAILED', durationMs: 60_000 },
      { job: slow!, at: hoursAgo(0.5), status: 'SUCCESS', durationMs: 70_000 },
    ])
  })

  it('defaults to 7 days: a trend per UTC day ending today, the success rate of finished runs and the slowest jobs', async () => {
    const res = await getAnalytics(carol.token)
    expect(res.status).toBe(200)
    const a = data(res)
    expect(a.days).toBe(7)
    expect(a.trend).toEqual(
      expectedTrend(7, { 6: [1, 0], 5: [1, 0], 4: [0, 2], 3: [1, 0], 2: [0, 1], 1: [3, 0], 0: [0, 0] }),
    )
    expect(a.trend.at(-1)!.date).toBe(utcDate(new Date()))
    expect(a.successRate).toBeCloseTo(6 / 9, 10)
    expect(a.slowestJobs).toEqual([
      { jobId: ids.invoices, name: 'Invoice sync', avgDurationMs: 2000, runs: 2 },
      { jobId: ids.relay, name: 'Webhook relay', avgDurationMs: 1500, runs: 1 },
      { jobId: ids.report, name: 'Weekly report', avgDurationMs: 700, runs: 2 },
      { jobId: ids.backup, name: 'Nightly backup', avgDurationMs: 300, runs: 2 },
      { jobId: ids.cache, name: 'Cache warm', avgDurationMs: 50, runs: 1 },
    ])
  })

  it('buckets every execution of the period, whatever its status, by UTC hour of creation', async () => {
    const a = data(await getAnalytics(carol.token, '?days=7'))
    const expected: Record<number, number> = { 0: 1, 3: 2, 9: 2, 12: 1, 14: 3, 23: 1 }
    expected[nowHour] = (expected[nowHour] ?? 0) + 1
    expect(a.hourly).toEqual(expectedHourly(expected))
    expect(a.hourly.reduce((n, h) => n + h.executions, 0)).toBe(11)
  })

  it('covers 30 days when asked, reordering the slowest jobs with the older runs', async () => {
    const a = data(await getAnalytics(carol.token, '?days=30'))
    expect(a.days).toBe(30)
    expect(a.trend).toHaveLength(30)
    expect(a.trend).toEqual(
      expectedTrend(30, { 29: [1, 0], 8: [1, 0], 6: [1, 0], 5: [1, 0], 4: [0, 2], 3: [1, 0], 2: [0, 1], 1: [3, 0] }),
    )
    expect(a.successRate).toBeCloseTo(8 / 11, 10)
    const expected: Record<number, number> = { 0: 2, 3: 2, 9: 2, 10: 1, 12: 1, 14: 3, 23: 1 }
    expected[nowHour] = (expected[nowHour] ?? 0) + 1
    expect(a.hourly).toEqual(expectedHourly(expected))
    expect(a.slowestJobs.map((j) => [j.name, j.avgDurationMs, j.runs])).toEqual([
      ['Nightly backup', 3200, 3],
      ['Invoice sync', 2000, 2],
      ['Webhook relay', 1500, 1],
      ['Weekly report', 700, 2],
      ['Cache warm', 50, 2],
    ])
  })

  it('shows an empty period as zero-filled days and hours with a null success rate', async () => {
    const { token } = await seedUser()
    expect(data(await getAnalytics(token))).toEqual({
      days: 7,
      successRate: null,
      trend: expectedTrend(7, {}),
      hourly: expectedHourly({}),
      slowestJobs: [],
    })
  })

  it('answers 422 for any period other than 7 or 30 days', async () => {
    for (const days of ['14', '0', 'week', '']) {
      const res = await getAnalytics(carol.token, `?days=${days}`)
      expect(res.status, days).toBe(422)
      expect(error(res).code).toBe('VALIDATION_ERROR')
      expect(Object.keys(error(res).details ?? {})).toEqual(['query.days'])
    }
  })

  it('answers 401 without a token', async () => {
    const res = await api('/api/v1/stats/analytics?days=7')
    expect(res.status).toBe(401)
    expect(error(res).code).toBe('UNAUTHORIZED')
  })
})

describe('stats in the OpenAPI document', () => {
  type Operation = {
    tags: string[]
    security: Record<string, string[]>[]
    responses: Record<string, unknown>
    parameters?: { name: string; in: string }[]
  }
  type Doc = { paths: Record<string, { get?: Operation }>; components: { schemas: Record<string, unknown> } }

  it('documents both routes under Cron jobs, with bearer auth, 401/422 errors and named schemas', async () => {
    const doc = await (await SELF.fetch(`${BASE}/openapi.json`)).json<Doc>()
    const stats = doc.paths['/api/v1/stats']?.get
    const analytics = doc.paths['/api/v1/stats/analytics']?.get
    for (const op of [stats, analytics]) {
      expect(op?.tags).toEqual(['Cron jobs'])
      expect(op?.security).toEqual([{ bearerAuth: [] }])
      expect(Object.keys(op?.responses ?? {})).toContain('401')
    }
    expect(Object.keys(analytics?.responses ?? {})).toContain('422')
    expect(analytics?.parameters).toEqual([expect.objectContaining({ name: 'days', in: 'query' })])
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Stats', 'StatsAnalytics', 'StatsTrendPoint', 'StatsHourBucket', 'StatsSlowJob']),
    )
  })
})
