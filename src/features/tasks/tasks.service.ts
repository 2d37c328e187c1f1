import { and, arrayContains, asc, eq, gt, inArray, lt, sql, type SQL } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { Database } from '../../db/client'
import { projectMembers, projects, tasks, type Task } from '../../db/schema'
import { CACHE_KEYS, CACHE_TTL, type Cache } from '../../lib/cache'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import { publishChange, type Feed } from '../projects/project-feed'
import {
  assertAllowed,
  assertWritable,
  mayDeleteTask,
  mayEditTask,
  standingOf,
  type Caller,
} from '../projects/project-rules'
import { loadProject } from '../projects/projects.service'
import { TaskSchema, type TaskInput, type TaskListQuery, type TaskPatch } from './tasks.schemas'

const me = alias(projectMembers, 'me')
const assignee = alias(projectMembers, 'assignee')

const notAMember = () => ApiError.validation({ 'json.assigneeId': 'must be a member of the project' })

/**
 * A task with the caller's standing in its project and whether `assigneeId` is a member there, in
 * one query. 404 when the task does not exist or its project is invisible to the caller.
 */
async function loadTask(db: Database, caller: Caller, id: string, assigneeId?: string | null) {
  const [row] = await db
    .select({ task: tasks, projectStatus: projects.status, role: me.role, assignee: assignee.userId })
    .from(tasks)
    .innerJoin(projects, eq(projects.id, tasks.projectId))
    .leftJoin(me, and(eq(me.projectId, tasks.projectId), eq(me.userId, caller.id)))
    .leftJoin(
      assignee,
      and(eq(assignee.projectId, tasks.projectId), eq(assignee.userId, sql`${assigneeId ?? null}::uuid`)),
    )
    .where(eq(tasks.id, id))
  const standing = standingOf(caller, row?.role)
  if (!row) throw ApiError.notFound('Task')
  assertAllowed(standing, 'read', 'Task')
  return { ...row, standing, assigneeIsMember: row.assignee !== null }
}

async function isMember(db: Database, projectId: string, userId: string) {
  return (
    (await db.$count(projectMembers, and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))) >
    0
  )
}

const SORT_COLUMNS = {
  createdAt: tasks.createdAt,
  updatedAt: tasks.updatedAt,
  dueDate: tasks.dueDate,
  title: tasks.title,
}

export async function listTasks(db: Database, caller: Caller, projectId: string, q: TaskListQuery) {
  await loadProject(db, caller, projectId)
  const filters: (SQL | undefined)[] = [
    eq(tasks.projectId, projectId),
    q.status ? eq(tasks.status, q.status) : undefined,
    q.priority ? eq(tasks.priority, q.priority) : undefined,
    q.assigneeId ? eq(tasks.assigneeId, q.assigneeId) : undefined,
    q.tag ? arrayContains(tasks.tags, [q.tag]) : undefined,
    q.dueBefore ? lt(tasks.dueDate, q.dueBefore) : undefined,
    q.dueAfter ? gt(tasks.dueDate, q.dueAfter) : undefined,
  ]
  const where = and(...filters)
  const column = SORT_COLUMNS[q.sort.replace('-', '') as keyof typeof SORT_COLUMNS]
  // Tasks without a due date come last either way.
  const order = q.sort.startsWith('-') ? sql`${column} desc nulls last` : sql`${column} asc nulls last`
  const rows = await db
    .select({ task: tasks, total: totalRows })
    .from(tasks)
    .where(where)
    .orderBy(order, asc(tasks.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => TaskSchema.decode(r.task),
    () => db.$count(tasks, where),
  )
}

/** Members who write tasks create them; the assignee, if any, must be a member. `createdBy` is the caller. */
export async function createTask(db: Database, feed: Feed, caller: Caller, projectId: string, input: TaskInput) {
  const { project, standing } = await loadProject(db, caller, projectId)
  assertAllowed(standing, 'writeTasks')
  assertWritable(project)
  if (input.assigneeId && !(await isMember(db, projectId, input.assigneeId))) throw notAMember()
  const [row] = await db
    .insert(tasks)
    .values({ ...input, projectId, createdBy: caller.id })
    .returning()
  const task = TaskSchema.decode(row!)
  await feed.cache.invalidate(CACHE_KEYS.PROJECT(projectId))
  await publishChange(feed, projectId, 'task.created', { task })
  return task
}

/**
 * A task, cached (seed 001's `task:<id>`); whether the caller may read it is checked in Postgres on
 * every call, in parallel with the cache (a deleted task or project answers 404 there).
 */
export async function getTask(db: Database, cache: Cache, caller: Caller, id: string) {
  if (!cache.enabled) return TaskSchema.decode((await loadTask(db, caller, id)).task)
  const [, task] = await Promise.all([
    taskStanding(db, caller, id),
    cache.read(CACHE_KEYS.TASK(id), CACHE_TTL.TASK, async () => {
      const [row] = await db.select().from(tasks).where(eq(tasks.id, id))
      if (!row) throw ApiError.notFound('Task')
      return TaskSchema.decode(row)
    }),
  ])
  return task
}

/** 404 unless the task exists in a project the caller may read. */
async function taskStanding(db: Database, caller: Caller, id: string) {
  const [row] = await db
    .select({ role: me.role })
    .from(tasks)
    .leftJoin(me, and(eq(me.projectId, tasks.projectId), eq(me.userId, caller.id)))
    .where(eq(tasks.id, id))
  if (!row) throw ApiError.notFound('Task')
  assertAllowed(standingOf(caller, row.role), 'read', 'Task')
}

/** The fields whose value differs between two versions of a task. */
function changedFields(before: Task, after: Task) {
  const keys = ['title', 'description', 'status', 'priority', 'assigneeId', 'dueDate', 'tags'] as const
  return keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
}

/**
 * Applies a PUT (every field) or a PATCH (some) to a task: members who write tasks, or its assignee,
 * may; a new assignee must be a member. Publishes `task.updated` with the row and what changed.
 */
export async function updateTask(
  db: Database,
  feed: Feed,
  caller: Caller,
  id: string,
  patch: TaskPatch,
  opts: { projectId?: string } = {},
) {
  const found = await loadTask(db, caller, id, patch.assigneeId)
  // A project channel's frame may change only that project's tasks: others do not exist there.
  if (opts.projectId !== undefined && found.task.projectId !== opts.projectId) throw ApiError.notFound('Task')
  if (!mayEditTask(found.standing, caller, found.task))
    throw ApiError.forbidden('Only members who write tasks, and the assignee, change a task')
  assertWritable({ status: found.projectStatus })
  if (patch.assigneeId && !found.assigneeIsMember) throw notAMember()
  const [row] = await db.update(tasks).set(patch).where(eq(tasks.id, id)).returning()
  if (!row) throw ApiError.notFound('Task')
  const task = TaskSchema.decode(row)
  const changes = changedFields(found.task, row)
  // The project's detail counts tasks by status.
  const project = changes.includes('status') ? [CACHE_KEYS.PROJECT(row.projectId)] : []
  await feed.cache.invalidate(CACHE_KEYS.TASK(id), ...project)
  await publishChange(feed, row.projectId, 'task.updated', { task, changes })
  return { task, changes, previousAssigneeId: found.task.assigneeId }
}

/** The owner and project admins delete any task; its creator deletes its own while it may write tasks. */
export async function deleteTask(db: Database, feed: Feed, caller: Caller, id: string) {
  const found = await loadTask(db, caller, id)
  if (!mayDeleteTask(found.standing, caller, found.task))
    throw ApiError.forbidden('Only the project owner and admins, or its creator, delete a task')
  assertWritable({ status: found.projectStatus })
  const [row] = await db.delete(tasks).where(eq(tasks.id, id)).returning({ id: tasks.id })
  if (!row) throw ApiError.notFound('Task')
  await feed.cache.invalidate(CACHE_KEYS.TASK(id), CACHE_KEYS.PROJECT(found.task.projectId))
  await publishChange(feed, found.task.projectId, 'task.deleted', { taskId: id, projectId: found.task.projectId })
}

/**
 * The tasks of several projects in one query, newest first (GraphQL's batched `project.tasks`).
 * Callers pass only projects the caller may read: they come from `loadProject` or `listProjects`.
 */
export async function tasksOfProjects(db: Database, projectIds: readonly string[]) {
  if (!projectIds.length) return []
  const rows = await db
    .select()
    .from(tasks)
    .where(inArray(tasks.projectId, [...projectIds]))
    .orderBy(sql`${tasks.createdAt} desc`, asc(tasks.id))
  return rows.map((t) => TaskSchema.decode(t))
}
