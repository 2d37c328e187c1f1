import type { DomainEvents, EventContext } from '../../events'
import { notify } from '../notifications/notifications.service'

/** The new assignee of a task is told, in its notifications and live on its `user:<id>` channel. */
export async function notifyTaskAssigned({ task }: DomainEvents['task.assigned'], { db, config }: EventContext) {
  if (!task.assigneeId) return
  await notify(db, config.bindings.CHANNEL_HUB, task.assigneeId, {
    type: 'task.assigned',
    title: `Assigned to you: ${task.title}`.slice(0, 200),
    message: task.dueDate ? `Due ${task.dueDate}.` : 'No due date.',
    data: { taskId: task.id, projectId: task.projectId },
  })
}
