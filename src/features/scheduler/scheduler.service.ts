import { desc, inArray, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { dailyReports, healthChecks, systemJobs } from '../../db/schema'
import type { Config } from '../../env'
import { ApiError } from '../../lib/errors'
import { runSystemJob } from '../../schedules'
import { SYSTEM_JOBS } from '../../schedules/registry'
import { DailyReportDataSchema } from './scheduler.schemas'
import { ensureSystemJobRows } from './system-jobs.service'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

function byName(name: string) {
  const job = SYSTEM_JOBS.find((j) => j.name === name)
  if (!job) throw ApiError.notFound(`System job ${name}`)
  return job
}

export async function listSystemJobs(db: Database) {
  await ensureSystemJobRows(db, SYSTEM_JOBS)
  const rows = await db.select().from(systemJobs)
  return SYSTEM_JOBS.map((job) => {
    const r = rows.find((x) => x.name === job.name)!
    return {
      name: job.name,
      description: job.description,
      schedule: job.cron,
      status: r.enabled ? ('running' as const) : ('stopped' as const),
      lastRunAt: iso(r.lastRunAt),
      nextRunAt: r.enabled ? iso(r.nextRunAt) : null,
      lastDurationMs: r.lastDurationMs,
      lastStatus: r.lastStatus,
      lastError: r.lastError,
    }
  })
}

/** Start or stop one job, or all of them when `name` is omitted; persisted across ticks and deploys. */
export async function setEnabled(db: Database, enabled: boolean, name?: string) {
  const names = name ? [byName(name).name] : SYSTEM_JOBS.map((j) => j.name)
  await ensureSystemJobRows(db, SYSTEM_JOBS)
  await db.update(systemJobs).set({ enabled, updatedAt: sql`now()` }).where(inArray(systemJobs.name, names))
  return names
}

/** Runs a job now (even when stopped), recording it like a scheduled run. */
export async function triggerSystemJob(db: Database, config: Config, name: string) {
  const job = byName(name)
  await ensureSystemJobRows(db, SYSTEM_JOBS)
  return runSystemJob(db, config, job, new Date())
}

export async function healthMetrics(db: Database, hours = 24) {
  const rows = await db
    .select()
    .from(healthChecks)
    .where(sql`${healthChecks.checkedAt} > now() - make_interval(hours => ${hours})`)
    .orderBy(desc(healthChecks.checkedAt))
    .limit(500)
  const up = rows.filter((r) => r.status !== 'down').length
  return {
    hours,
    samples: rows.length,
    availability: rows.length ? up / rows.length : null,
    latest: rows
      .slice(0, 50)
      .map((r) => ({ status: r.status, checks: r.checks, checkedAt: r.checkedAt.toISOString() })),
  }
}

export async function listDailyReports(db: Database, limit: number) {
  const rows = await db.select().from(dailyReports).orderBy(desc(dailyReports.day)).limit(limit)
  return rows.map((r) => ({
    day: r.day,
    data: DailyReportDataSchema.parse(r.data),
    createdAt: r.createdAt.toISOString(),
  }))
}

export const listSystemJobNames = () => SYSTEM_JOBS.map((j) => j.name)
