import type { DomainEvents, EventContext } from '../../events'
import { enqueueEmail } from '../email/email.service'
import { notify } from '../notifications/notifications.service'
import { ownerEmail } from './jobs.service'

type JobFailed = DomainEvents['job.failed']

/** A job's final failure is emailed to its owner; the one that pauses it says so. */
export async function emailJobFailure(
  { jobId, userId, jobName, consecutiveFailures, paused }: JobFailed,
  ctx: EventContext,
) {
  const email = await ownerEmail(ctx.db, userId)
  if (!email) return
  await enqueueEmail(ctx.config, email, 'notice', {
    subject: paused ? `Job "${jobName}" was paused after ${consecutiveFailures} failures` : `Job "${jobName}" failed`,
    text: paused
      ? `Your job "${jobName}" failed ${consecutiveFailures} times in a row and has been paused. Fix the target, then resume it.`
      : `Your job "${jobName}" failed after its retries (${consecutiveFailures} failure(s) in a row). See GET /api/v1/jobs/${jobId}/logs.`,
  })
}

/** ...and shows up in the owner's notifications, live on an open dashboard. */
export async function notifyJobFailure(
  { jobId, userId, jobName, executionId, error, consecutiveFailures, paused }: JobFailed,
  { db, config }: EventContext,
) {
  await notify(db, config.bindings.CHANNEL_HUB, userId, {
    type: paused ? 'job.paused' : 'job.failed',
    title: (paused ? `Job "${jobName}" was paused` : `Job "${jobName}" failed`).slice(0, 200),
    message: paused
      ? `It failed ${consecutiveFailures} times in a row. Fix the target, then resume it.`
      : `The run failed after its retries${error ? ` (${error})` : ''}.`,
    data: { jobId, executionId, consecutiveFailures },
  })
}
