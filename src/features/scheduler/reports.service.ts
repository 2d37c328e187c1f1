import { eq, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { ALERT_TYPES, type AlertType, dailyReports, healthChecks, roles, userRoles, users } from '../../db/schema'
import type { ColdChainDay, DailyReportData } from './scheduler.schemas'

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

const byType = (rows: { type: AlertType; n: number }[]) =>
  Object.fromEntries(ALERT_TYPES.map((t) => [t, rows.find((r) => r.type === t)?.n ?? 0])) as Record<AlertType, number>

/**
 * The cold chain of one UTC day, per customer: readings recorded that day (their index is by
 * recorded time), alerts opened and resolved that day by type, and devices offline when it runs.
 */
export async function coldChainFigures(db: Database, day: string): Promise<ColdChainDay[]> {
  const from = sql`(${day}::date::timestamp at time zone 'utc')`
  const to = sql`(${from} + interval '1 day')`
  const customers = await db.execute<{
    customer_id: string
    name: string
    readings: number
    devices: number
    devices_offline: number
  }>(sql`
    select c.id as customer_id, c.name,
      (select count(*) from readings r
        join cold_cells cc on cc.id = r.cold_cell_id join locations l on l.id = cc.location_id
        where l.customer_id = c.id and r.recorded_at >= ${from} and r.recorded_at < ${to})::int as readings,
      dv.devices, dv.devices_offline
    from customers c
    cross join lateral (
      select count(*)::int as devices, (count(*) filter (where d.status = 'OFFLINE'))::int as devices_offline
      from devices d join cold_cells cc on cc.id = d.cold_cell_id join locations l on l.id = cc.location_id
      where l.customer_id = c.id) dv
    order by c.name, c.id`)
  const alerts = await db.execute<{ customer_id: string; type: AlertType; opened: number; resolved: number }>(sql`
    select customer_id, type,
      (count(*) filter (where first_triggered_at >= ${from} and first_triggered_at < ${to}))::int as opened,
      (count(*) filter (where resolved_at >= ${from} and resolved_at < ${to}))::int as resolved
    from alerts
    where (first_triggered_at >= ${from} and first_triggered_at < ${to}) or (resolved_at >= ${from} and resolved_at < ${to})
    group by customer_id, type`)
  return customers.rows.map((c) => {
    const mine = alerts.rows.filter((a) => a.customer_id === c.customer_id)
    return {
      customerId: c.customer_id,
      name: c.name,
      readingsReceived: c.readings,
      alertsOpened: byType(mine.map((a) => ({ type: a.type, n: a.opened }))),
      alertsResolved: byType(mine.map((a) => ({ type: a.type, n: a.resolved }))),
      devices: c.devices,
      devicesOffline: c.devices_offline,
    }
  })
}

const counts = (n: Record<AlertType, number>) =>
  ALERT_TYPES.filter((t) => n[t] > 0)
    .map((t) => `${t} ${n[t]}`)
    .join(', ') || 'none'

/** The report as the admins' email shows it: the figures, then one line per customer. */
export function reportText({ coldChain = [], ...figures }: DailyReportData) {
  const lines = Object.entries(figures).map(([k, v]) => `${k}: ${String(v)}`)
  lines.push('', 'Cold chain (readings recorded that day; devices offline when the report ran):')
  if (!coldChain.length) lines.push('- no customers')
  for (const c of coldChain)
    lines.push(
      `- ${c.name}: ${c.readingsReceived} readings; alerts opened: ${counts(c.alertsOpened)}; resolved: ${counts(c.alertsResolved)}; devices offline: ${c.devicesOffline} of ${c.devices}`,
    )
  return lines.join('\n')
}

/** Stores a day's report once: false when that day was already stored (by an earlier or concurrent run). */
export async function storeDailyReport(db: Database, day: string, data: DailyReportData) {
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
