import { eq, sql } from 'drizzle-orm'
import { dailyReports, healthChecks, roles, userRoles, users } from '../db/schema'
import { enqueueEmail } from '../features/email/email.service'
import { healthReport } from '../features/health/health.service'
import type { TickContext } from './registry'

/** 06:00 UTC: yesterday's figures, stored once per day and emailed to every admin. */
export async function dailyReport({ db, config, at }: TickContext) {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - 1)).toISOString().slice(0, 10)
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
  const data = { day, ...figures! }
  const stored = await db
    .insert(dailyReports)
    .values({ day, data })
    .onConflictDoNothing()
    .returning({ day: dailyReports.day })
  if (!stored.length) return { day, emailed: 0, stored: false }
  const admins = await db
    .select({ email: users.email })
    .from(users)
    .innerJoin(userRoles, eq(userRoles.userId, users.id))
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(eq(roles.name, 'admin'))
  const text = Object.entries(data)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join('\n')
  for (const a of admins)
    await enqueueEmail(config, a.email, 'notice', { subject: `Outpost daily report for ${day}`, text })
  return { day, emailed: admins.length, stored: true }
}

/** Every 5 minutes: the same checks as GET /health, stored for /scheduler/health-metrics. */
export async function recordHealth({ db, config }: TickContext) {
  const report = await healthReport(config, db)
  await db.insert(healthChecks).values({ status: report.status, checks: report.checks })
  await db.execute(sql`delete from ${healthChecks} where checked_at < now() - interval '30 days'`)
  return { status: report.status }
}
