import { env } from 'cloudflare:workers'
import { createExecutionContext, createScheduledController } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { systemJobs } from '../src/db/schema'
import worker from '../src/index'
import { isDue, runMinuteTick, type SystemJob } from '../src/schedules'
import { withDb } from './helpers'

const uniq = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`
const counting = (name: string, cron: string, ran: string[]): SystemJob => ({
  name,
  cron,
  description: 'test',
  run: async () => {
    ran.push(name)
    return {}
  },
})
const at = Date.UTC(2026, 0, 5, 9, 0)

describe('minute tick', () => {
  it('runs the jobs due at the scheduled time and skips the rest', async () => {
    const ran: string[] = []
    const hourly = uniq('hourly')
    const result = await runMinuteTick({ cron: '* * * * *', scheduledTime: at }, env, [
      counting(hourly, '0 * * * *', ran),
      counting(uniq('at-06'), '0 6 * * *', ran),
    ])
    expect(ran).toEqual([hourly])
    expect(result).toEqual({ ran: [hourly], failed: [] })
  })

  it('runs a job once when the same tick is delivered twice or overlaps', async () => {
    const ran: string[] = []
    const job = counting(uniq('once'), '* * * * *', ran)
    await Promise.all([1, 2, 3].map(() => runMinuteTick({ cron: '* * * * *', scheduledTime: at + 60_000 }, env, [job])))
    await runMinuteTick({ cron: '* * * * *', scheduledTime: at + 60_000 + 30_000 }, env, [job])
    expect(ran).toHaveLength(1)
    await runMinuteTick({ cron: '* * * * *', scheduledTime: at + 120_000 }, env, [job])
    expect(ran).toHaveLength(2)
  })

  it('keeps running the other jobs when one fails, and records the failure', async () => {
    const ran: string[] = []
    const broken = uniq('broken')
    const result = await runMinuteTick({ cron: '* * * * *', scheduledTime: at }, env, [
      { name: broken, cron: '* * * * *', description: 'x', run: async () => Promise.reject(new Error('boom')) },
      counting(uniq('fine'), '* * * * *', ran),
    ])
    expect(ran).toHaveLength(1)
    expect(result.failed).toEqual([broken])
    const [row] = await withDb((db) => db.select().from(systemJobs).where(eq(systemJobs.name, broken)))
    expect(row).toMatchObject({ lastStatus: 'error', lastError: 'boom' })
    expect(row!.nextRunAt).not.toBeNull()
  })

  it('does not run a stopped job', async () => {
    const ran: string[] = []
    const job = counting(uniq('stopped'), '* * * * *', ran)
    await runMinuteTick({ cron: '* * * * *', scheduledTime: at }, env, [job])
    await withDb((db) => db.update(systemJobs).set({ enabled: false }).where(eq(systemJobs.name, job.name)))
    await runMinuteTick({ cron: '* * * * *', scheduledTime: at + 60_000 }, env, [job])
    expect(ran).toHaveLength(1)
  })

  it('knows when a cron fires', () => {
    expect(isDue('0 6 * * *', new Date(Date.UTC(2026, 0, 5, 6, 0, 30)))).toBe(true)
    expect(isDue('0 6 * * *', new Date(Date.UTC(2026, 0, 5, 6, 1)))).toBe(false)
    expect(isDue('*/5 * * * *', new Date(Date.UTC(2026, 0, 5, 6, 15)))).toBe(true)
    expect(isDue('0 3 * * 0', new Date(Date.UTC(2026, 0, 4, 3, 0)))).toBe(true)
  })

  it('is wired as the Worker scheduled handler', async () => {
    const controller = createScheduledController({ cron: '* * * * *', scheduledTime: new Date() })
    await expect(worker.scheduled(controller, env, createExecutionContext())).resolves.toBeUndefined()
    const names = await withDb((db) => db.select({ name: systemJobs.name }).from(systemJobs))
    expect(names.map((n) => n.name)).toEqual(
      expect.arrayContaining([
        'user-jobs-dispatch',
        'session-cleanup',
        'otp-cleanup',
        'daily-report',
        'health-check',
        'log-retention',
      ]),
    )
  })
})
