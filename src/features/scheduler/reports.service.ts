import { eq, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { dailyReports, healthChecks, roles, userRoles, users } from '../../db/schema'

/** The figures of one UTC day (`YYYY-MM-DD`) that the daily report shows. */
export async function dailyFigures(db: Database, day: string) {
  const [figures] = (
    await db.execute<{
      signups: number
      active_users: number
      executions: number
      succeeded: number
      failed: number
    }>(sql`
      select
        (select count(*)::int from users where (created_at at time zone 'utc')::date = ${day}::date) as signups,
        (select count(distinct s.user_id)::int from refresh_tokens rt join sessions s on s.id = rt.session_id where (rt.created_at at time zone 'utc')::date = ${day}::date) as active_users,
        (select count(*)::int from executions where (created_at at time zone 'utc')::date = ${day}::date) as executions,
        (select count(*)::int from executions where (created_at at time zone 'utc')::date = ${day}::date and status = 'SUCCESS') as succeeded,
        (select count(*)::int from executions where (created_at at time zone 'utc')::date = ${day}::date and status = 'FAILED') as failed`)
  ).rows
  return figures!
}

/** Stores a day's report once: false when that day was already stored (by an earlier or concurrent run). */
export async function storeDailyReport(db: Database, day: string, data: Record<string, unknown>) {
  const stored = await db
    .insert(dailyReports)
    .values({ day, data })
    .onConflictDoNothing()
    .returning({ day: dailyReports.day })
  return stored.length > 0
}

/** The addresses of every admin: who receives the daily report. */
export async function adminEmails(db: Database) {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .innerJoin(userRoles, eq(userRoles.userId, users.id))
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(eq(roles.name, 'admin'))
  return rows.map((r) => r.email)
}

/** Stores one health sample for GET /scheduler/health-metrics; samples are kept for 30 days. */
export async function storeHealthSample(db: Database, sample: { status: string; checks: Record<string, unknown> }) {
  await db.insert(healthChecks).values(sample)
  await db.execute(sql`delete from ${healthChecks} where checked_at < now() - interval '30 days'`)
}
