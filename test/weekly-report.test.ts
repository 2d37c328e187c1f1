/**
 * Seed 001's weekly project report: Monday 09:00 UTC, per owner, each active project's tasks done
 * in the last 7 days, open and overdue; stored once per owner and week, emailed once however often
 * the job runs.
 */
import { env } from 'cloudflare:workers'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { projectMembers, projects, tasks, weeklyProjectReports } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { sendWeeklyReports, weekOf } from '../src/features/projects/weekly-report.service'
import { runMinuteTick } from '../src/schedules'
import { SYSTEM_JOBS } from '../src/schedules/registry'
import { readMailbox, seedUser, withDb } from './helpers'

const AT = new Date('2031-06-02T09:00:00Z') // a Monday
const days = (d: number) => new Date(AT.getTime() + d * 86_400_000)
const job = SYSTEM_JOBS.find((j) => j.name === 'weekly-project-report')!

describe('weekly project report', () => {
  it('runs on Mondays at 09:00 UTC and dates each report by its Monday', () => {
    expect(job.cron).toBe('0 9 * * 1')
    expect(weekOf(AT)).toBe('2031-06-02')
    expect(weekOf(new Date('2031-06-08T23:59:00Z'))).toBe('2031-06-02')
  })

  it('tells each owner done, open and overdue per active project, once per week', async () => {
    const owner = await seedUser({ name: 'Owner' })
    const me = owner.user.id
    const [live, archived] = await withDb((db) =>
      db
        .insert(projects)
        .values([
          { name: 'Cold rooms', ownerId: me },
          { name: 'Old', ownerId: me, status: 'archived' },
        ])
        .returning({ id: projects.id }),
    )
    await withDb(async (db) => {
      await db.insert(projectMembers).values([
        { projectId: live!.id, userId: me, role: 'owner' },
        { projectId: archived!.id, userId: me, role: 'owner' },
      ])
      await db.insert(tasks).values([
        { projectId: live!.id, title: 'Done this week', status: 'done', updatedAt: days(-2) },
        { projectId: live!.id, title: 'Done long ago', status: 'done', updatedAt: days(-30) },
        { projectId: live!.id, title: 'Open', status: 'todo', dueDate: days(3) },
        { projectId: live!.id, title: 'Late', status: 'in_progress', dueDate: days(-1) },
        { projectId: archived!.id, title: 'Archived work', status: 'todo', dueDate: days(-1) },
      ])
    })

    await runMinuteTick({ scheduledTime: AT.getTime(), cron: '* * * * *' }, env, [job])
    await runMinuteTick({ scheduledTime: AT.getTime(), cron: '* * * * *' }, env, [job])
    await withDb((db) => sendWeeklyReports(db, loadConfig(env), days(1))) // a manual run later that week

    const [stored] = await withDb((db) =>
      db
        .select()
        .from(weeklyProjectReports)
        .where(and(eq(weeklyProjectReports.ownerId, me), eq(weeklyProjectReports.week, '2031-06-02'))),
    )
    expect(stored!.data).toEqual({
      projects: [{ projectId: live!.id, name: 'Cold rooms', done: 1, open: 2, overdue: 1 }],
    })
    const mail = await readMailbox(owner.user.email, { template: 'weekly-report' })
    expect(mail).toHaveLength(1)
    expect(mail[0]!.subject).toBe('Your projects, week of 2031-06-02')
    expect(mail[0]!.text).toContain('- Cold rooms: 1 done, 2 open, 1 overdue')
    expect(mail[0]!.text).not.toContain('Old')
  })
})
