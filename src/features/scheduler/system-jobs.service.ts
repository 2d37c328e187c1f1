import { and, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { systemJobs } from '../../db/schema'
import { nextRunAt } from '../jobs/schedule'

/** What a system job's row knows of it (src/schedules/registry.ts has the rest). */
type JobRef = { name: string; cron: string }

/** One row per job, created the first time the job is seen: a job added to the registry needs no migration. */
export async function ensureSystemJobRows(db: Database, jobs: JobRef[]) {
  await db
    .insert(systemJobs)
    .values(jobs.map((j) => ({ name: j.name, nextRunAt: nextRunAt(j.cron, 'UTC', new Date()) })))
    .onConflictDoNothing()
}

/**
 * Claims the job's run for the tick `at` with one guarded UPDATE, so a repeated or overlapping tick
 * never runs it twice. False when the job is stopped or this tick's run was already claimed.
 */
export async function claimSystemJobRun(db: Database, name: string, at: Date) {
  const [claimed] = await db
    .update(systemJobs)
    .set({ lastScheduledFor: at })
    .where(
      and(
        eq(systemJobs.name, name),
        eq(systemJobs.enabled, true),
        or(isNull(systemJobs.lastScheduledFor), lt(systemJobs.lastScheduledFor, at)),
      ),
    )
    .returning({ name: systemJobs.name })
  return Boolean(claimed)
}

/** Records how a run went, for GET /scheduler/jobs, and when the job is next due. */
export async function recordSystemJobRun(
  db: Database,
  job: JobRef,
  outcome: { durationMs: number; error: string | null },
) {
  await db
    .update(systemJobs)
    .set({
      lastRunAt: sql`now()`,
      lastDurationMs: outcome.durationMs,
      lastStatus: outcome.error ? 'error' : 'ok',
      lastError: outcome.error,
      nextRunAt: nextRunAt(job.cron, 'UTC', new Date()),
      updatedAt: sql`now()`,
    })
    .where(eq(systemJobs.name, job.name))
}
