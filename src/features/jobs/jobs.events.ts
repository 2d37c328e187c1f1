import { eq } from 'drizzle-orm'
import { users } from '../../db/schema'
import { on } from '../../lib/events'
import { enqueueEmail } from '../email/email.service'
import { notify } from '../notifications/notifications.service'

/** A job's final failure is emailed to its owner; the one that pauses it says so. */
on('job.failed', async ({ jobId, userId, jobName, consecutiveFailures, paused }, { db, config }) => {
  const [owner] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId))
  if (!owner) return
  await enqueueEmail(config, owner.email, 'notice', {
    subject: paused ? `Job "${jobName}" was paused after ${consecutiveFailures} failures` : `Job "${jobName}" failed`,
    text: paused
      ? `Your job "${jobName}" failed ${consecutiveFailures} times in a row and has been paused. Fix the target, then resume it.`
      : `Your job "${jobName}" failed after its retries (${consecutiveFailures} failure(s) in a row). See GET /api/v1/jobs/${jobId}/logs.`,
  })
})

/** ...and shows up in the owner's notifications, live on an open dashboard. */
on(
  'job.failed',
  async ({ jobId, userId, jobName, executionId, error, consecutiveFailures, paused }, { db, config }) => {
    await notify(db, config.bindings.CHANNEL_HUB, userId, {
      type: paused ? 'job.paused' : 'job.failed',
      title: (paused ? `Job "${jobName}" was paused` : `Job "${jobName}" failed`).slice(0, 200),
      message: paused
        ? `It failed ${consecutiveFailures} times in a row. Fix the target, then resume it.`
        : `The run failed after its retries${error ? ` (${error})` : ''}.`,
      data: { jobId, executionId, consecutiveFailures },
    })
  },
)
