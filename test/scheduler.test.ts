import { eq, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import {
  dailyReports,
  emailOtps,
  executions,
  healthChecks,
  jobAccounts,
  jobs,
  sessions,
  systemJobs,
} from '../src/db/schema'
import { call, data, error, readMailbox, seedUser, withDb } from './helpers'

const NAMES = [
  'user-jobs-dispatch',
  'session-cleanup',
  'otp-cleanup',
  'daily-report',
  'health-check',
  'log-retention',
  'device-offline-sweep',
  'alert-escalation',
  'upload-session-cleanup',
  'search-words-refresh',
  'task-due-reminders',
  'weekly-project-report',
]

type SystemJob = {
  name: string
  status: string
  schedule: string
  lastRunAt: string | null
  nextRunAt: string | null
  lastStatus: string | null
}

describe('scheduler admin routes', () => {
  it('are admin-only: 401 anonymous, 403 for a user and a moderator', async () => {
    const user = await seedUser()
    const mod = await seedUser({ roles: ['moderator'] })
    for (const [method, path] of [
      ['GET', '/scheduler/jobs'],
      ['GET', '/scheduler/jobs/names'],
      ['POST', '/scheduler/jobs/start'],
      ['POST', '/scheduler/jobs/stop'],
      ['POST', '/scheduler/jobs/health-check/trigger'],
      ['GET', '/scheduler/health-metrics'],
      ['GET', '/scheduler/daily-reports'],
    ] as const) {
      expect((await call(method, path)).status, path).toBe(401)
      expect((await call(method, path, user.token)).status, path).toBe(403)
      expect((await call(method, path, mod.token)).status, path).toBe(403)
    }
  })

  it('lists every system job with its schedule and next run', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    expect(data(await call<string[]>('GET', '/scheduler/jobs/names', token))).toEqual(NAMES)
    const list = data(await call<SystemJob[]>('GET', '/scheduler/jobs', token))
    expect(list.map((j) => j.name)).toEqual(NAMES)
    expect(list.find((j) => j.name === 'daily-report')).toMatchObject({ schedule: '0 6 * * *', status: 'running' })
    expect(list.every((j) => j.nextRunAt !== null)).toBe(true)
  })

  it('stops and starts one job, or all, persistently', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    expect(data(await call('POST', '/scheduler/jobs/stop?name=daily-report', token))).toEqual({
      stopped: ['daily-report'],
    })
    let list = data(await call<SystemJob[]>('GET', '/scheduler/jobs', token))
    expect(list.find((j) => j.name === 'daily-report')).toMatchObject({ status: 'stopped', nextRunAt: null })
    expect(data(await call<{ stopped: string[] }>('POST', '/scheduler/jobs/stop', token)).stopped).toEqual(NAMES)
    expect(data(await call<{ started: string[] }>('POST', '/scheduler/jobs/start', token)).started).toEqual(NAMES)
    list = data(await call<SystemJob[]>('GET', '/scheduler/jobs', token))
    expect(list.every((j) => j.status === 'running')).toBe(true)
    expect(error(await call('POST', '/scheduler/jobs/stop?name=nope', token)).code).toBe('NOT_FOUND')
  })

  it('triggers the health check now, stores it, and shows it in the health metrics', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    const res = data(
      await call<{ status: string; result: { status: string } }>('POST', '/scheduler/jobs/health-check/trigger', token),
    )
    expect(res).toMatchObject({ status: 'ok', result: { status: 'ok' } })
    const metrics = data(
      await call<{ samples: number; availability: number }>('GET', '/scheduler/health-metrics', token),
    )
    expect(metrics.samples).toBeGreaterThanOrEqual(1)
    expect(metrics.availability).toBe(1)
    const [row] = await withDb((db) => db.select().from(systemJobs).where(eq(systemJobs.name, 'health-check')))
    expect(row).toMatchObject({ lastStatus: 'ok' })
    expect(await withDb((db) => db.select().from(healthChecks))).not.toHaveLength(0)
  })

  it('answers 404 for an unknown job', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    expect((await call('POST', '/scheduler/jobs/nope/trigger', token)).status).toBe(404)
  })
})

describe('system jobs', () => {
  it('daily report: stores yesterday once and emails every admin', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    const first = data(
      await call<{ result: { stored: boolean; emailed: number } }>(
        'POST',
        '/scheduler/jobs/daily-report/trigger',
        admin.token,
      ),
    )
    expect(first.result.stored).toBe(true)
    expect(first.result.emailed).toBeGreaterThanOrEqual(1)
    const again = data(
      await call<{ result: { stored: boolean } }>('POST', '/scheduler/jobs/daily-report/trigger', admin.token),
    )
    expect(again.result.stored).toBe(false)
    expect(await withDb((db) => db.select().from(dailyReports))).toHaveLength(1)
    expect((await readMailbox(admin.user.email))[0]!.subject).toContain('daily report')
    expect(data(await call<unknown[]>('GET', '/scheduler/daily-reports', admin.token))).toHaveLength(1)
  })

  it('session cleanup deletes sessions revoked or expired over a week ago, and keeps live ones', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    const old = await seedUser()
    await withDb((db) =>
      db.update(sessions).set({ revokedAt: sql`now() - interval '8 days'` }).where(eq(sessions.id, old.sessionId)),
    )
    const res = data(
      await call<{ result: { sessionsDeleted: number } }>(
        'POST',
        '/scheduler/jobs/session-cleanup/trigger',
        admin.token,
      ),
    )
    expect(res.result.sessionsDeleted).toBe(1)
    expect(await withDb((db) => db.select().from(sessions).where(eq(sessions.id, admin.sessionId)))).toHaveLength(1)
  })

  it('OTP cleanup deletes expired codes only', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    const u = await seedUser({ verified: false })
    await withDb((db) =>
      db.insert(emailOtps).values({ userId: u.user.id, codeHash: 'x', expiresAt: sql`now() - interval '1 minute'` }),
    )
    expect(
      data(await call<{ result: { otpsDeleted: number } }>('POST', '/scheduler/jobs/otp-cleanup/trigger', admin.token))
        .result.otpsDeleted,
    ).toBe(1)
  })

  it('log retention deletes finished executions past the owner plan’s retention', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    const owner = await seedUser()
    await withDb(async (db) => {
      await db.insert(jobAccounts).values({ userId: owner.user.id, plan: 'FREE', signingSecret: 'whsec_x' })
      const [job] = await db
        .insert(jobs)
        .values({ userId: owner.user.id, name: 'j', cronExpression: '0 * * * *', targetUrl: 'https://example.com' })
        .returning()
      await db.insert(executions).values([
        {
          jobId: job!.id,
          userId: owner.user.id,
          scheduledFor: sql`now() - interval '8 days'`,
          status: 'SUCCESS',
          createdAt: sql`now() - interval '8 days'`,
        },
        {
          jobId: job!.id,
          userId: owner.user.id,
          scheduledFor: sql`now() - interval '6 days'`,
          status: 'SUCCESS',
          createdAt: sql`now() - interval '6 days'`,
        },
      ])
    })
    expect(
      data(
        await call<{ result: { executionsDeleted: number } }>(
          'POST',
          '/scheduler/jobs/log-retention/trigger',
          admin.token,
        ),
      ).result.executionsDeleted,
    ).toBe(1)
  })
})
