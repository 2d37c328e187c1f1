import { createDb } from '../db/client'
import type { Config } from '../env'
import { dispatchDueJobs } from '../features/jobs/dispatch.service'
import { log } from '../lib/logger'

/** Every minute: claim the users' due cron jobs and queue their executions. */
export async function dispatchUserJobs(config: Config, at: Date) {
  const { db, close } = createDb({ url: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY })
  try {
    const { dispatched } = await dispatchDueJobs(db, config, at)
    if (dispatched) log('info', 'user jobs dispatched', { dispatched, scheduledTime: at.toISOString() }, config.LOG_LEVEL)
  } finally {
    await close()
  }
}
