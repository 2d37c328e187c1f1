import { count, desc, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { executions, jobs } from '../../db/schema'
import { offsetOf, type PageQuery } from '../../lib/pagination'
import { toExecutionOut, toJobOut } from '../jobs/jobs.service'

/** Every user's jobs, newest first (admin). */
export async function allJobs(db: Database, q: PageQuery) {
  const rows = await db.select({ job: jobs, total: sql<number>`(count(*) over ())::int` }).from(jobs).orderBy(desc(jobs.createdAt), desc(jobs.id)).limit(q.limit).offset(offsetOf(q))
  const total = rows[0]?.total ?? (q.page > 1 ? ((await db.select({ n: count() }).from(jobs))[0]?.n ?? 0) : 0)
  return { data: rows.map((r) => ({ ...toJobOut(r.job), userId: r.job.userId })), meta: { page: q.page, limit: q.limit, total } }
}

/** Every user's executions, newest first (admin). */
export async function allExecutions(db: Database, q: PageQuery) {
  const rows = await db
    .select({ e: executions, total: sql<number>`(count(*) over ())::int` })
    .from(executions)
    .orderBy(desc(executions.createdAt), desc(executions.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  const total = rows[0]?.total ?? (q.page > 1 ? ((await db.select({ n: count() }).from(executions))[0]?.n ?? 0) : 0)
  return { data: rows.map((r) => ({ ...toExecutionOut(r.e), userId: r.e.userId })), meta: { page: q.page, limit: q.limit, total } }
}
