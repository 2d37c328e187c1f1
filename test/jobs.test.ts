import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { jobs } from '../src/db/schema'
import { api, call, data, error, seedUser, withDb } from './helpers'

type Job = {
  id: string
  status: string
  nextRunAt: string | null
  pausedReason: string | null
  timeout: number
  maxRetries: number
  cronExpression: string
  timezone: string
}

const valid = (over: Record<string, unknown> = {}) => ({
  name: 'Nightly',
  cronExpression: '*/5 * * * *',
  targetUrl: 'https://example.com/hook',
  ...over,
})

describe('creating jobs', () => {
  it('creates a job with defaults and its next run in the future', async () => {
    const { token } = await seedUser()
    const res = await call<Job & Record<string, unknown>>('POST', '/jobs', token, valid())
    expect(res.status).toBe(201)
    const job = data(res)
    expect(job).toMatchObject({
      status: 'ACTIVE',
      timezone: 'UTC',
      httpMethod: 'GET',
      targetType: 'HTTP',
      timeout: 10_000,
      maxRetries: 0,
      consecutiveFailures: 0,
      lastRunAt: null,
    })
    expect(new Date(job.nextRunAt!).getTime()).toBeGreaterThan(Date.now())
    expect(new Date(job.nextRunAt!).getUTCMinutes() % 5).toBe(0)
  })

  it('answers 422 with a message per bad field', async () => {
    const { token } = await seedUser()
    const res = await call(
      'POST',
      '/jobs',
      token,
      valid({ cronExpression: '61 * * * *', timezone: 'Mars/Olympus', targetUrl: 'http://127.0.0.1/admin' }),
    )
    expect(res.status).toBe(422)
    expect(Object.keys(error(res).details ?? {}).sort()).toEqual([
      'json.cronExpression',
      'json.targetUrl',
      'json.timezone',
    ])
  })

  it('enforces the plan: minimum interval, timeout and retries', async () => {
    const { token } = await seedUser()
    const res = await call(
      'POST',
      '/jobs',
      token,
      valid({ cronExpression: '* * * * *', timeout: 60_000, maxRetries: 9 }),
    )
    expect(res.status).toBe(422)
    expect(Object.keys(error(res).details ?? {}).sort()).toEqual([
      'json.cronExpression',
      'json.maxRetries',
      'json.timeout',
    ])
  })

  it('refuses mass assignment of owner, status or counters', async () => {
    const { token } = await seedUser()
    for (const extra of [
      { userId: crypto.randomUUID() },
      { status: 'PAUSED' },
      { consecutiveFailures: 0 },
      { id: crypto.randomUUID() },
    ]) {
      const res = await call('POST', '/jobs', token, valid(extra))
      expect(res.status).toBe(422)
      expect(Object.values(error(res).details ?? {})).toEqual(['unknown field'])
    }
  })

  it('refuses header values fetch could not send', async () => {
    const { token } = await seedUser()
    const res = await call('POST', '/jobs', token, valid({ headers: { 'X-A': 'line\nbreak' } }))
    expect(res.status).toBe(422)
    expect((await call('POST', '/jobs', token, valid({ headers: { 'X-A': '€uro' } }))).status).toBe(422)
  })

  it('refuses reserved headers such as Idempotency-Key or Host', async () => {
    const { token } = await seedUser()
    expect((await call('POST', '/jobs', token, valid({ headers: { 'Idempotency-Key': 'x' } }))).status).toBe(422)
    expect((await call('POST', '/jobs', token, valid({ headers: { 'X-Custom': 'ok' } }))).status).toBe(201)
  })

  it('creates exactly one job when 20 creates race at the plan cap minus one', async () => {
    const { token } = await seedUser()
    for (let i = 0; i < 4; i++) expect((await call('POST', '/jobs', token, valid({ name: `j${i}` }))).status).toBe(201)
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('POST', '/jobs', token, valid({ name: `race${i}` }))),
    )
    expect(results.filter((r) => r.status === 201)).toHaveLength(1)
    expect(results.filter((r) => r.status === 403).every((r) => error(r).code === 'PLAN_LIMIT')).toBe(true)
    expect(data(await call<Job[]>('GET', '/jobs?limit=100', token))).toHaveLength(5)
  })
})

describe('reading, updating and deleting jobs', () => {
  it('answers 404 for another user’s job on every route', async () => {
    const owner = await seedUser()
    const other = await seedUser()
    const job = data(await call<Job>('POST', '/jobs', owner.token, valid()))
    for (const [method, path] of [
      ['GET', ''],
      ['PUT', ''],
      ['DELETE', ''],
      ['POST', '/pause'],
      ['POST', '/resume'],
      ['POST', '/run'],
      ['GET', '/logs'],
    ] as const) {
      const res = await call(
        method,
        `/jobs/${job.id}${path}`,
        other.token,
        method === 'PUT' ? { name: 'x' } : undefined,
      )
      expect(res.status, `${method} ${path}`).toBe(404)
    }
  })

  it('updates fields, recomputing the next run when the schedule changes', async () => {
    const { token } = await seedUser()
    const job = data(await call<Job>('POST', '/jobs', token, valid()))
    const updated = data(
      await call<Job>('PUT', `/jobs/${job.id}`, token, { cronExpression: '0 9 * * *', timezone: 'Asia/Tokyo' }),
    )
    expect(updated).toMatchObject({ cronExpression: '0 9 * * *', timezone: 'Asia/Tokyo' })
    expect(new Date(updated.nextRunAt!).getUTCHours()).toBe(0)
    expect((await call('PUT', `/jobs/${job.id}`, token, { timeout: 999_000 })).status).toBe(422)
  })

  it('pauses (no next run) and resumes (next run again)', async () => {
    const { token } = await seedUser()
    const job = data(await call<Job>('POST', '/jobs', token, valid()))
    expect(data(await call<Job>('POST', `/jobs/${job.id}/pause`, token))).toMatchObject({
      status: 'PAUSED',
      nextRunAt: null,
      pausedReason: 'USER',
    })
    const resumed = data(await call<Job>('POST', `/jobs/${job.id}/resume`, token))
    expect(resumed.status).toBe('ACTIVE')
    expect(resumed.nextRunAt).not.toBeNull()
  })

  it('deletes a job', async () => {
    const { token } = await seedUser()
    const job = data(await call<Job>('POST', '/jobs', token, valid()))
    expect((await call('DELETE', `/jobs/${job.id}`, token)).status).toBe(204)
    expect((await call('GET', `/jobs/${job.id}`, token)).status).toBe(404)
  })

  it('answers 401 without a token', async () => {
    expect((await api('/api/v1/jobs')).status).toBe(401)
  })
})

// Upgrades are paid (POST /payments/checkout, then the Stripe webhook; test/payments.test.ts), so
// these tests are upgraded by an admin and downgrade themselves through PUT /users/plan.
async function upgrade(userId: string, plan: 'PREMIUM' | 'PRO') {
  const admin = await seedUser({ roles: ['admin'] })
  return data(await call<{ plan: string }>('PUT', `/admin/users/${userId}/plan`, admin.token, { plan }))
}

describe('plans', () => {
  it('pauses the newest excess jobs on a downgrade and deletes nothing', async () => {
    const { token, user } = await seedUser()
    expect((await upgrade(user.id, 'PREMIUM')).plan).toBe('PREMIUM')
    const created: Job[] = []
    for (let i = 0; i < 7; i++) created.push(data(await call<Job>('POST', '/jobs', token, valid({ name: `p${i}` }))))
    const down = data(await call<{ pausedJobIds: string[] }>('PUT', '/users/plan', token, { plan: 'FREE' }))
    expect(down.pausedJobIds.sort()).toEqual([created[5]!.id, created[6]!.id].sort())
    const rows = await withDb((db) => db.select().from(jobs).where(eq(jobs.userId, user.id)))
    expect(rows).toHaveLength(7)
    expect(rows.filter((r) => r.status === 'PAUSED').every((r) => r.pausedReason === 'PLAN_LIMIT')).toBe(true)
    // Resuming one would exceed the cap of active jobs.
    const res = await call('POST', `/jobs/${created[6]!.id}/resume`, token)
    expect(res.status).toBe(403)
    expect(error(res).code).toBe('PLAN_LIMIT')
  })

  it('pauses, on a downgrade, the jobs the new plan does not allow, and refuses to resume them', async () => {
    const { token, user } = await seedUser()
    await upgrade(user.id, 'PRO')
    const fast = data(
      await call<Job>('POST', '/jobs', token, valid({ name: 'every minute', cronExpression: '* * * * *' })),
    )
    const long = data(await call<Job>('POST', '/jobs', token, valid({ name: 'long timeout', timeout: 60_000 })))
    const fine = data(await call<Job>('POST', '/jobs', token, valid({ name: 'fine' })))
    const down = data(await call<{ pausedJobIds: string[] }>('PUT', '/users/plan', token, { plan: 'FREE' }))
    expect(down.pausedJobIds.sort()).toEqual([fast.id, long.id].sort())
    expect(data(await call<Job>('GET', `/jobs/${fine.id}`, token)).status).toBe('ACTIVE')
    const res = await call('POST', `/jobs/${fast.id}/resume`, token)
    expect(res.status).toBe(422)
    expect(Object.keys(error(res).details ?? {})).toEqual(['json.cronExpression'])
  })

  it('refuses an unknown plan with 422', async () => {
    const { token } = await seedUser()
    expect((await call('PUT', '/users/plan', token, { plan: 'GOLD' })).status).toBe(422)
  })
})

describe('signing secret', () => {
  it('shows a per-user secret and rotates it', async () => {
    const { token } = await seedUser()
    const first = data(await call<{ signingSecret: string }>('GET', '/jobs/signing-secret', token)).signingSecret
    expect(first).toMatch(/^whsec_[\w-]{43}$/)
    expect(data(await call<{ signingSecret: string }>('GET', '/jobs/signing-secret', token)).signingSecret).toBe(first)
    const rotated = data(
      await call<{ signingSecret: string }>('POST', '/jobs/signing-secret/rotate', token),
    ).signingSecret
    expect(rotated).not.toBe(first)
  })
})
