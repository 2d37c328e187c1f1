import { dispatchDueJobs, resendStalePending } from '../features/jobs/dispatch.service'
import type { TickContext } from './types'

/** Every minute: claim the users' due cron jobs and queue their executions; re-send stranded ones. */
export async function dispatchUserJobs({ db, config, at }: TickContext) {
  const { dispatched } = await dispatchDueJobs(db, config, at)
  return { dispatched, resent: await resendStalePending(db, config) }
}
