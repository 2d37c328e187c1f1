import { loadConfig, type Config } from '../env'
import { errorFields, log } from '../lib/logger'
import { dispatchUserJobs } from './user-jobs'

/** A system job: runs on the minute tick whenever `due(scheduledTime)` is true. */
export type SystemJob = { name: string; due: (at: Date) => boolean; run: (config: Config, at: Date) => Promise<void> }

/** System jobs are added here by the features that own them (cleanup, reports, sweeps…). */
export const systemJobs: SystemJob[] = [{ name: 'user-jobs-dispatch', due: () => true, run: dispatchUserJobs }]

/**
 * The single `* * * * *` Cron Trigger. Each job is keyed on the trigger's scheduledTime so a
 * retried tick is recognisable; one failing job never stops the others.
 */
export async function runMinuteTick(controller: Pick<ScheduledController, 'scheduledTime' | 'cron'>, env: Env, jobs = systemJobs) {
  const config = loadConfig(env)
  const at = new Date(controller.scheduledTime)
  const due = jobs.filter((j) => j.due(at))
  const results = await Promise.allSettled(due.map((j) => j.run(config, at)))
  results.forEach((r, i) => {
    if (r.status === 'rejected') log('error', 'system job failed', { job: due[i]!.name, scheduledTime: at.toISOString(), ...errorFields(r.reason) })
  })
  log('info', 'minute tick', { cron: controller.cron, scheduledTime: at.toISOString(), ran: due.map((j) => j.name) }, config.LOG_LEVEL)
  return { ran: due.map((j) => j.name), failed: due.filter((_, i) => results[i]!.status === 'rejected').map((j) => j.name) }
}
