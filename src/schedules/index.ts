import { databaseOf, type Database } from '../db/client'
import { loadConfig, type Config } from '../env'
import { nextRunAt } from '../features/jobs/schedule'
import { claimSystemJobRun, ensureSystemJobRows, recordSystemJobRun } from '../features/scheduler/system-jobs.service'
import { errorFields, log } from '../lib/logger'
import { SYSTEM_JOBS } from './registry'
import type { SystemJob } from './types'

export type { SystemJob } from './types'

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
  await recordSystemJobRun(db, job, { durationMs, error })
  return { name: job.name, status: error ? ('error' as const) : ('ok' as const), durationMs, error, result }
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
  const db = databaseOf(config)
  await ensureSystemJobRows(db, jobs)
  const due = jobs.filter((j) => isDue(j.cron, at))
  const outcomes = await Promise.all(
    due.map(async (job) => ((await claimSystemJobRun(db, job.name, at)) ? runSystemJob(db, config, job, at) : null)),
  )
  const ran = outcomes.filter((o) => o !== null)
  log(
    'info',
    'minute tick',
    { cron: controller.cron, scheduledTime: at.toISOString(), ran: ran.map((o) => o.name) },
    config.LOG_LEVEL,
  )
  return { ran: ran.map((o) => o.name), failed: ran.filter((o) => o.status === 'error').map((o) => o.name) }
}
