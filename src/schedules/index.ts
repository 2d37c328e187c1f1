import { and, eq, isNull, lt, or, sql } from 'drizzle-orm'
import { withDatabase, type Database } from '../db/client'
import { systemJobs } from '../db/schema'
import { loadConfig, type Config } from '../env'
import { nextRunAt } from '../features/jobs/schedule'
import { errorFields, log } from '../lib/logger'
import { SYSTEM_JOBS, type SystemJob } from './registry'

export type { SystemJob } from './registry'

/** True when `cron` (UTC) fires at the minute of `at`. */
export const isDue = (cron: string, at: Date) =>
  nextRunAt(cron, 'UTC', new Date(Math.floor(at.getTime() / 60_000) * 60_000 - 1))?.getTime() ===
  Math.floor(at.getTime() / 60_000) * 60_000

/** Runs one system job and records its outcome; used by the tick and by the admin trigger route. */
export async function runSystemJob(db: Database, config: Config, job: SystemJob, at: Date) {
  const started = Date.now()
  let result: Record<string, unknown> = {}
  let error: string | null = null
  try {
    result = await job.run({ db, config, at })
  } catch (err) {
    error = err instanceof Error ? err.message : String(err)
    log('error', 'system job failed', { job: job.name, scheduledTime: at.toISOString(), ...errorFields(err) })
  }
  const durationMs = Date.now() - started
  await db
    .update(systemJobs)
    .set({
      lastRunAt: sql`now()`,
      lastDurationMs: durationMs,
      lastStatus: error ? 'error' : 'ok',
      lastError: error,
      nextRunAt: nextRunAt(job.cron, 'UTC', new Date()),
      updatedAt: sql`now()`,
    })
    .where(eq(systemJobs.name, job.name))
  return { name: job.name, status: error ? ('error' as const) : ('ok' as const), durationMs, error, result }
}

export async function ensureSystemJobRows(db: Database, jobs: SystemJob[]) {
  await db
    .insert(systemJobs)
    .values(jobs.map((j) => ({ name: j.name, nextRunAt: nextRunAt(j.cron, 'UTC', new Date()) })))
    .onConflictDoNothing()
}

/**
 * The single `* * * * *` Cron Trigger. Each due, enabled job is claimed for this scheduledTime
 * with one guarded UPDATE, so a repeated or overlapping tick never runs it twice; one failing job
 * never stops the others.
 */
export async function runMinuteTick(
  controller: Pick<ScheduledController, 'scheduledTime' | 'cron'>,
  env: Env,
  jobs = SYSTEM_JOBS,
) {
  const config = loadConfig(env)
  const at = new Date(Math.floor(controller.scheduledTime / 60_000) * 60_000)
  return withDatabase({ url: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY }, async (db) => {
    await ensureSystemJobRows(db, jobs)
    const due = jobs.filter((j) => isDue(j.cron, at))
    const outcomes = await Promise.all(
      due.map(async (job) => {
        const [claimed] = await db
          .update(systemJobs)
          .set({ lastScheduledFor: at })
          .where(
            and(
              eq(systemJobs.name, job.name),
              eq(systemJobs.enabled, true),
              or(isNull(systemJobs.lastScheduledFor), lt(systemJobs.lastScheduledFor, at)),
            ),
          )
          .returning({ name: systemJobs.name })
        return claimed ? runSystemJob(db, config, job, at) : null
      }),
    )
    const ran = outcomes.filter((o) => o !== null)
    log(
      'info',
      'minute tick',
      { cron: controller.cron, scheduledTime: at.toISOString(), ran: ran.map((o) => o.name) },
      config.LOG_LEVEL,
    )
    return { ran: ran.map((o) => o.name), failed: ran.filter((o) => o.status === 'error').map((o) => o.name) }
  })
}
