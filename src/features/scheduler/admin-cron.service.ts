import { desc } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { executions, jobs } from '../../db/schema'
import { offsetOf, toPage, totalRows, type PageQuery } from '../../lib/pagination'
import { ExecutionSchema } from '../jobs/jobs.schemas'
import { toJobOut } from '../jobs/jobs.service'

/** Every user's jobs, newest first (admin). */
export async function allJobs(db: Database, q: PageQuery) {
  const rows = await db
    .select({ job: jobs, total: totalRows })
    .from(jobs)
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => ({ ...toJobOut(r.job), userId: r.job.userId }),
    () => db.$count(jobs),
  )
}

/** Every user's executions, newest first (admin). */
export async function allExecutions(db: Database, q: PageQuery) {
  const rows = await db
    .select({ e: executions, total: totalRows })
    .from(executions)
    .orderBy(desc(executions.createdAt), desc(executions.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => ({ ...ExecutionSchema.decode(r.e), userId: r.e.userId }),
    () => db.$count(executions),
  )
}
