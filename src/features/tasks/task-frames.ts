import { databaseOf } from '../../db/client'
import { loadConfig } from '../../env'
import { emit } from '../../events'
import { ApiError } from '../../lib/errors'
import { zodDetails } from '../../lib/create-router'
import { feedOf } from '../projects/project-feed'
import { accessOf } from '../rbac/access.service'
import { PatchTaskBody, type TaskOut } from './tasks.schemas'
import { updateTask } from './tasks.service'

/** What a `task_update` frame is answered with: the task as stored, or an `error` frame's data. */
export type TaskFrameReply =
  | { event: 'task_updated'; data: { task: TaskOut } }
  | { event: 'error'; data: { code: string; message: string; details?: Record<string, unknown> } }

const fail = (err: ApiError): TaskFrameReply => ({
  event: 'error',
  data: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
})

/**
 * A `task_update` frame on `project:<id>`, applied by `userId` exactly as PATCH /tasks/{id} would
 * (same body schema, service and rules); only tasks of this channel's project. Runs in the hub.
 */
export async function applyTaskFrame(
  env: Env,
  userId: string,
  channel: string,
  frame: { taskId: string; changes: Record<string, unknown> },
  waitUntil: (p: Promise<unknown>) => void,
): Promise<TaskFrameReply> {
  if (!channel.startsWith('project:'))
    return fail(ApiError.forbidden('task_update is sent on a project channel (project:<id>)'))
  const patch = PatchTaskBody.safeParse(frame.changes)
  if (!patch.success) return fail(ApiError.validation(zodDetails(patch.error, 'changes')))
  try {
    const config = loadConfig(env)
    const db = databaseOf(config)
    const caller = { id: userId, roles: (await accessOf(db, userId)).roles }
    const projectId = channel.slice('project:'.length)
    const { task, previousAssigneeId } = await updateTask(db, feedOf(config), caller, frame.taskId, patch.data, {
      projectId,
    })
    if (task.assigneeId && task.assigneeId !== previousAssigneeId && task.assigneeId !== userId)
      waitUntil(emit('task.assigned', { task, assigneeId: task.assigneeId, assignedBy: userId }, { db, config }))
    return { event: 'task_updated', data: { task } }
  } catch (err) {
    if (err instanceof ApiError) return fail(err)
    throw err
  }
}
