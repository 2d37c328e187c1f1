import type { Context } from 'hono'
import { emitAfterResponse } from '../../events'
import type { AppEnv } from '../../lib/types'
import type { TaskOut } from './tasks.schemas'

/** `task.assigned` once the change is committed, when someone other than `by` became the assignee. */
export function announceAssignment<E extends AppEnv>(
  c: Context<E>,
  by: string,
  task: TaskOut,
  previousAssigneeId: string | null,
) {
  if (task.assigneeId && task.assigneeId !== previousAssigneeId && task.assigneeId !== by)
    emitAfterResponse(c, 'task.assigned', { task, assigneeId: task.assigneeId, assignedBy: by })
}
