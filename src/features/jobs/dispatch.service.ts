import { and, asc, eq, lte, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { executions, jobs } from '../../db/schema'
import type { Config } from '../../env'
import { count } from '../../lib/metrics/recorder'
import { ApiError } from '../../lib/errors'
import { ownJob } from './jobs.service'
import { nextRunAt } from './schedule'

export type JobMessage = { executionId: string }

const CLAIM_BATCH = 500
const SEND_BATCH = 100

/** Sends executions to the `jobs` queue, at most 100 per sendBatch (the Queues limit). */
async function enqueue(config: Config, ids: string[]) {
  for (let i = 0; i < ids.length; i += SEND_BATCH) {
    const batch = ids.slice(i, i + SEND_BATCH)
    await config.bindings.JOBS_QUEUE.sendBatch(
      batch.map((executionId) => ({ body: { executionId } satisfies JobMessage })),
    )
    count('outpost_queue_messages_total', { queue: 'jobs', outcome: 'sent' }, batch.length)
  }
}

/**
 * The minute tick's dispatch. Due jobs are read, their next run computed in their own timezone,
 * then claimed in ONE statement: a compare-and-set on next_run_at that also inserts the execution
 * (UNIQUE job_id, scheduled_for). Overlapping or repeated ticks therefore dispatch each run once,
 * and a job late after an outage runs once, its next run computed from now.
 */
export async function dispatchDueJobs(db: Database, config: Config, scheduledTime: Date) {
  let dispatched = 0
  for (;;) {
    const due = await db
      .select({ id: jobs.id, cron: jobs.cronExpression, tz: jobs.timezone, due: jobs.nextRunAt })
      .from(jobs)
      .where(and(eq(jobs.status, 'ACTIVE'), lte(jobs.nextRunAt, scheduledTime)))
      .orderBy(asc(jobs.nextRunAt))
      .limit(CLAIM_BATCH)
    if (!due.length) break
    const rows = due.map(
      (j) =>
        sql`(${j.id}::uuid, ${j.due!.toISOString()}::timestamptz, ${nextRunAt(j.cron, j.tz, scheduledTime)?.toISOString() ?? null}::timestamptz)`,
    )
    const claimed = await db.execute<{ id: string }>(sql`
      with plan (id, due, next) as (values ${sql.join(rows, sql`, `)}),
      claimed as (
        update ${jobs} j set next_run_at = plan.next
        from plan
        where j.id = plan.id and j.next_run_at = plan.due and j.status = 'ACTIVE'
        returning j.id, j.user_id, plan.due
      )
      insert into ${executions} (job_id, user_id, scheduled_for)
      select id, user_id, due from claimed
      on conflict (job_id, scheduled_for) do nothing
      returning id`)
    const ids = claimed.rows.map((r) => r.id)
    await enqueue(config, ids)
    dispatched += ids.length
    if (due.length < CLAIM_BATCH) break
  }
  return { dispatched }
}

/**
 * Executions recorded but never picked up (the send after the claim failed, e.g. a queue outage)
 * are sent again after 2 minutes. The consumer's claim makes a second delivery harmless.
 */
export async function resendStalePending(db: Database, config: Config) {
  const stale = await db
    .select({ id: executions.id })
    .from(executions)
    .where(and(eq(executions.status, 'PENDING'), sql`${executions.createdAt} < now() - interval '2 minutes'`))
    .limit(1000)
  await enqueue(
    config,
    stale.map((s) => s.id),
  )
  return stale.length
}

/** POST /jobs/:id/run: one manual execution now, through the same queue and consumer. */
export async function runNow(db: Database, config: Config, userId: string, jobId: string) {
  await ownJob(db, userId, jobId)
  const [row] = await db
    .insert(executions)
    .values({ jobId, userId, scheduledFor: sql`now()`, trigger: 'MANUAL' })
    .onConflictDoNothing()
    .returning()
  if (!row) throw ApiError.conflict('A run of this job was just started')
  await enqueue(config, [row.id])
  return row
}
