import { inArray, eq, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { projects, taskReminders, tasks, users } from '../../db/schema'
import type { Config } from '../../env'
import { enqueueEmail } from '../email/email.service'
import { notify } from '../notifications/notifications.service'

const WINDOW_MS = 24 * 3_600_000

/**
 * Claims every open, assigned task of an active project due within 24 h of `at` that has not been
 * reminded for this due date, in one statement: the claim is the record, so a second run finds
 * nothing. A task whose due date moves is claimed again for the new one.
 */
async function claimDue(db: Database, at: Date) {
  const until = new Date(at.getTime() + WINDOW_MS)
  const claimed = await db.execute<{ task_id: string }>(sql`
    insert into ${taskReminders} (task_id, due_date)
    select ${tasks.id}, ${tasks.dueDate} from ${tasks} join ${projects} on ${projects.id} = ${tasks.projectId}
    where ${tasks.assigneeId} is not null and ${tasks.status} <> 'done' and ${projects.status} = 'active'
      and ${tasks.dueDate} > ${at.toISOString()} and ${tasks.dueDate} <= ${until.toISOString()}
    on conflict do nothing
    returning task_id`)
  return claimed.rows.map((r) => r.task_id)
}

/** 09:00 UTC: each assignee gets one notification and one email per task due within 24 h, once per due date. */
export async function sendDueReminders(db: Database, config: Config, at: Date) {
  const ids = await claimDue(db, at)
  if (!ids.length) return { reminded: 0 }
  const due = await db
    .select({
      taskId: tasks.id,
      title: tasks.title,
      dueDate: tasks.dueDate,
      projectId: tasks.projectId,
      project: projects.name,
      userId: users.id,
      email: users.email,
    })
    .from(tasks)
    .innerJoin(projects, eq(projects.id, tasks.projectId))
    .innerJoin(users, eq(users.id, tasks.assigneeId))
    .where(inArray(tasks.id, ids))
  for (const t of due) {
    const when = t.dueDate!.toISOString()
    await notify(db, config.bindings.CHANNEL_HUB, t.userId, {
      type: 'task.due',
      title: `Due soon: ${t.title}`.slice(0, 200),
      message: `"${t.title}" in ${t.project} is due ${when}.`,
      data: { taskId: t.taskId, projectId: t.projectId, dueDate: when },
    })
    // The email's id is fixed per task and due date: the queue delivers it once even if this is retried.
    await enqueueEmail(
      config,
      t.email,
      'notice',
      { subject: `Due soon: ${t.title}`, text: `"${t.title}" in ${t.project} is due ${when}.` },
      { id: `task-due:${t.taskId}:${when}` },
    )
  }
  return { reminded: due.length }
}
