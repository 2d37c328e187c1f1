import { sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { projects, tasks, users, weeklyProjectReports } from '../../db/schema'
import type { Config } from '../../env'
import { enqueueEmail } from '../email/email.service'

export type ProjectWeek = { projectId: string; name: string; done: number; open: number; overdue: number }

const WEEK_MS = 7 * 24 * 3_600_000

/** The Monday (UTC) of the week `at` falls in, as a date. */
export function weekOf(at: Date) {
  const day = (at.getUTCDay() + 6) % 7 // Monday = 0
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - day)).toISOString().slice(0, 10)
}

/**
 * Per owner, each active project's tasks done in the 7 days before `at`, open now, and open past
 * their due date: one statement.
 */
async function figures(db: Database, at: Date) {
  const since = new Date(at.getTime() - WEEK_MS).toISOString()
  const now = at.toISOString()
  const { rows } = await db.execute<{
    owner_id: string
    email: string
    project_id: string
    name: string
    done: number
    open: number
    overdue: number
  }>(sql`
    select p.id as project_id, p.name, p.owner_id, u.email,
      (count(t.id) filter (where t.status = 'done' and t.updated_at > ${since}))::int as done,
      (count(t.id) filter (where t.status <> 'done'))::int as open,
      (count(t.id) filter (where t.status <> 'done' and t.due_date < ${now}))::int as overdue
    from ${projects} p
    join ${users} u on u.id = p.owner_id
    left join ${tasks} t on t.project_id = p.id
    where p.status = 'active'
    group by p.id, u.email
    order by p.owner_id, p.name, p.id`)
  const owners = new Map<string, { email: string; projects: ProjectWeek[] }>()
  for (const r of rows) {
    const o = owners.get(r.owner_id) ?? { email: r.email, projects: [] }
    o.projects.push({ projectId: r.project_id, name: r.name, done: r.done, open: r.open, overdue: r.overdue })
    owners.set(r.owner_id, o)
  }
  return owners
}

/**
 * Monday 09:00 UTC (seed 001's generateWeeklyReports): each owner of an active project gets its
 * figures, stored once per owner and week and emailed once (the email's id is the report's).
 */
export async function sendWeeklyReports(db: Database, config: Config, at: Date) {
  const week = weekOf(at)
  let emailed = 0
  for (const [ownerId, owner] of await figures(db, at)) {
    const stored = await db
      .insert(weeklyProjectReports)
      .values({ ownerId, week, data: { projects: owner.projects } })
      .onConflictDoNothing()
      .returning({ week: weeklyProjectReports.week })
    if (!stored.length) continue
    await enqueueEmail(
      config,
      owner.email,
      'weekly-report',
      { week, projects: owner.projects },
      { id: `weekly-report:${ownerId}:${week}` },
    )
    emailed++
  }
  return { week, emailed }
}
