import type { ProjectRole } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import type { Principal } from '../../lib/types'

/** Who is asking: its id and its system roles. */
export type Caller = Pick<Principal, 'id' | 'roles'>

/**
 * What a caller is to one project: its member role, `system-admin` (sees and does everything), or
 * null (the project is invisible to it, and answers 404 like a missing one).
 */
export type Standing = ProjectRole | 'system-admin' | null

/**
 * Seed 001's policies, per action: which member roles may do it. System admins may do all of them.
 * - read: every member sees the project, its members and its tasks;
 * - manage: the owner and project admins update, archive and delete it, and manage its members;
 * - transfer: only the owner hands the project to another member;
 * - writeTasks: members (not viewers) create tasks and update any task; a task's assignee updates
 *   it whatever its role (`mayEditTask`);
 * - deleteTasks: the owner and project admins delete any task; a task's creator deletes its own.
 */
const RULES = {
  read: ['owner', 'admin', 'member', 'viewer'],
  manage: ['owner', 'admin'],
  transfer: ['owner'],
  writeTasks: ['owner', 'admin', 'member'],
  deleteTasks: ['owner', 'admin'],
} as const satisfies Record<string, readonly ProjectRole[]>

export type ProjectAction = keyof typeof RULES

export const isSystemAdmin = (caller: Caller) => caller.roles.includes('admin')

/** The caller's standing, from its membership row's role (null when it has none). */
export const standingOf = (caller: Caller, memberRole: ProjectRole | null | undefined): Standing =>
  isSystemAdmin(caller) ? 'system-admin' : (memberRole ?? null)

export function allows(standing: Standing, action: ProjectAction) {
  if (standing === null) return false
  return standing === 'system-admin' || (RULES[action] as readonly ProjectRole[]).includes(standing)
}

/**
 * Passes when `standing` allows `action`. A caller who cannot even read the project gets 404, so
 * ids of other people's projects reveal nothing; a member who may not do this gets 403.
 */
export function assertAllowed(standing: Standing, action: ProjectAction, what = 'Project') {
  if (!allows(standing, 'read')) throw ApiError.notFound(what)
  if (!allows(standing, action)) throw ApiError.forbidden(`Your role in this project may not ${VERBS[action]}`)
}

const VERBS: Record<ProjectAction, string> = {
  read: 'read it',
  manage: 'change the project or its members',
  transfer: 'transfer the project',
  writeTasks: 'create or change tasks',
  deleteTasks: 'delete this task',
}

/** Task edits: members who write tasks, and the task's assignee (an assignee is always a member). */
export function mayEditTask(standing: Standing, caller: Caller, task: { assigneeId: string | null }) {
  return allows(standing, 'writeTasks') || (allows(standing, 'read') && task.assigneeId === caller.id)
}

/** Task deletes: the owner and project admins, or the member who created it while it may still write. */
export function mayDeleteTask(standing: Standing, caller: Caller, task: { createdBy: string | null }) {
  return allows(standing, 'deleteTasks') || (allows(standing, 'writeTasks') && task.createdBy === caller.id)
}

/** An archived project is read-only until it is made active again. */
export function assertWritable(project: { status: string }) {
  if (project.status === 'archived') throw ApiError.conflict('The project is archived; make it active to change it')
}
