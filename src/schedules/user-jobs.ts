import { dispatchDueJobs } from '../features/jobs/dispatch.service'
import type { TickContext } from './registry'

/** Every minute: claim the users' due cron jobs and queue their executions. */
export function dispatchUserJobs({ db, config, at }: TickContext) {
  return dispatchDueJobs(db, config, at)
}
