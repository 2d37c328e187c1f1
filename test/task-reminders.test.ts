import { env } from 'cloudflare:workers'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { notifications, projectMembers, projects, tasks } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { sendDueReminders } from '../src/features/tasks/reminders.service'
import { runMinuteTick } from '../src/schedules'
import { SYSTEM_JOBS } from '../src/schedules/registry'
import { readMailbox, seedUser, withDb } from './helpers'

const AT = new Date('2030-03-04T09:00:00Z')
const hours = (h: number) => new Date(AT.getTime() + h * 3_600_000)
const job = SYSTEM_JOBS.find((j) => j.name === 'task-due-reminders')!

describe('task due-date reminders', () => {
  it('runs at 09:00 UTC', () => {
    expect(job.cron).toBe('0 9 * * *')
  })

  it('reminds each assignee once per task due within 24 h, however often the job runs', async () => {
    const assignee = await seedUser({ name: 'Busy' })
    const id = (
      await withDb((db) => db.insert(projects).values({ name: 'Due', ownerId: assignee.user.id }).returning())
    )[0]!.id
    const archived = (
      await withDb((db) =>
        db.insert(projects).values({ name: 'Old', ownerId: assignee.user.id, status: 'archived' }).returning(),
      )
    )[0]!.id
    const me = assignee.user.id
    const rows = await withDb(async (db) => {
      await db.insert(projectMembers).values([
        { projectId: id, userId: me, role: 'owner' },
        { projectId: archived, userId: me, role: 'owner' },
      ])
      return db
        .insert(tasks)
        .values([
          { projectId: id, title: 'Soon', assigneeId: me, dueDate: hours(10) },
          { projectId: id, title: 'Later', assigneeId: me, dueDate: hours(30) },
          { projectId: id, title: 'Finished', assigneeId: me, dueDate: hours(5), status: 'done' },
          { projectId: id, title: 'Nobody', dueDate: hours(5) },
          { projectId: id, title: 'Overdue', assigneeId: me, dueDate: hours(-1) },
          { projectId: archived, title: 'Archived', assigneeId: me, dueDate: hours(5) },
        ])
        .returning({ id: tasks.id, title: tasks.title })
    })
    const soon = rows.find((r) => r.title === 'Soon')!.id

    await runMinuteTick({ scheduledTime: AT.getTime(), cron: '* * * * *' }, env, [job])
    await runMinuteTick({ scheduledTime: AT.getTime(), cron: '* * * * *' }, env, [job])
    // Run by hand (as the admin trigger does): the claims are the record, so nothing is sent again.
    expect(await withDb((db) => sendDueReminders(db, loadConfig(env), AT))).toEqual({ reminded: 0 })

    const notes = await withDb((db) =>
      db
        .select({ data: notifications.data })
        .from(notifications)
        .where(and(eq(notifications.userId, me), eq(notifications.type, 'task.due'))),
    )
    expect(notes.map((n) => n.data.taskId)).toEqual([soon])
    const mail = await readMailbox(assignee.user.email, { template: 'notice' })
    expect(mail.map((m) => m.subject)).toEqual(['Due soon: Soon'])

    // A new due date is a new reminder.
    await withDb((db) =>
      db
        .update(tasks)
        .set({ dueDate: hours(20) })
        .where(eq(tasks.id, soon)),
    )
    expect(await withDb((db) => sendDueReminders(db, loadConfig(env), AT))).toEqual({ reminded: 1 })
  })
})
