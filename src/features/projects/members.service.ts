import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import type { Database, HttpDatabase } from '../../db/client'
import { isUniqueViolation } from '../../db/errors'
import { projectMembers, projects, tasks, users } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import { CACHE_KEYS } from '../../lib/cache'
import { offsetOf, toPage, totalRows, type PageQuery } from '../../lib/pagination'
import { TaskSchema } from '../tasks/tasks.schemas'
import { projectKeys, taskKeys } from './project-cache'
import { publishChange, publishChanges, revokeChannel, type Feed } from './project-feed'
import { assertAllowed, type Caller } from './project-rules'
import { MemberSchema, ProjectSchema } from './projects.schemas'
import { loadProject } from './projects.service'

type MemberRole = 'admin' | 'member' | 'viewer'

const memberColumns = {
  userId: projectMembers.userId,
  role: projectMembers.role,
  joinedAt: projectMembers.joinedAt,
  name: users.name,
  email: users.email,
}

/** One member with its name and email; 404 when the user is not a member. */
async function memberOf(db: Database, projectId: string, userId: string) {
  const [row] = await db
    .select(memberColumns)
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
  if (!row) throw ApiError.notFound('Member')
  return row
}

export async function listMembers(db: Database, caller: Caller, projectId: string, q: PageQuery) {
  await loadProject(db, caller, projectId)
  const where = eq(projectMembers.projectId, projectId)
  const rows = await db
    .select({ ...memberColumns, total: totalRows })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(where)
    .orderBy(asc(projectMembers.joinedAt), asc(projectMembers.userId))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => MemberSchema.decode(r),
    () => db.$count(projectMembers, where),
  )
}

/** Adds an existing user with a role (not `owner`): 404 for an unknown user, 409 for a member already in. */
export async function addMember(
  db: Database,
  feed: Feed,
  caller: Caller,
  projectId: string,
  input: { userId: string; role: MemberRole },
) {
  assertAllowed((await loadProject(db, caller, projectId)).standing, 'manage')
  const [user] = await db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, input.userId))
  if (!user) throw ApiError.notFound('User')
  try {
    const [row] = await db
      .insert(projectMembers)
      .values({ projectId, userId: input.userId, role: input.role })
      .returning()
    const member = MemberSchema.decode({ ...row!, ...user })
    await feed.cache.invalidate(CACHE_KEYS.PROJECT(projectId), CACHE_KEYS.USER_PROJECTS(input.userId))
    await publishChange(feed, projectId, 'member.added', { member })
    return member
  } catch (err) {
    if (isUniqueViolation(err)) throw ApiError.conflict('The user is already a member of this project')
    throw err
  }
}

/** Changes a member's role; the owner's role moves only with a transfer (409). */
export async function updateMember(
  db: Database,
  feed: Feed,
  caller: Caller,
  projectId: string,
  userId: string,
  role: MemberRole,
) {
  const { project, standing } = await loadProject(db, caller, projectId)
  assertAllowed(standing, 'manage')
  if (userId === project.ownerId) throw ApiError.conflict("The owner's role changes only by transferring the project")
  const [row] = await db
    .update(projectMembers)
    .set({ role })
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
    .returning({ userId: projectMembers.userId })
  if (!row) throw ApiError.notFound('Member')
  await feed.cache.invalidate(CACHE_KEYS.PROJECT(projectId), CACHE_KEYS.USER_PROJECTS(userId))
  const member = MemberSchema.decode(await memberOf(db, projectId, userId))
  await publishChange(feed, projectId, 'member.updated', { member })
  return member
}

/**
 * Removes a member (managers remove anyone but the owner; any member may leave). Its tasks in the
 * project are unassigned in the same transaction, and its connections to the project's channel end.
 */
export async function removeMember(db: HttpDatabase, feed: Feed, caller: Caller, projectId: string, userId: string) {
  const { project, standing } = await loadProject(db, caller, projectId)
  if (userId !== caller.id) assertAllowed(standing, 'manage')
  if (userId === project.ownerId) throw ApiError.conflict('The owner cannot be removed; transfer the project first')
  const [removed, unassigned] = await db.batch([
    db
      .delete(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
      .returning({ userId: projectMembers.userId }),
    db
      .update(tasks)
      .set({ assigneeId: null })
      .where(
        and(
          eq(tasks.projectId, projectId),
          eq(tasks.assigneeId, userId),
          // Only when the member really was removed by the statement before (same transaction).
          sql`not exists (select 1 from ${projectMembers} where ${projectMembers.projectId} = ${projectId} and ${projectMembers.userId} = ${userId})`,
        ),
      )
      .returning(),
  ])
  if (!removed.length) throw ApiError.notFound('Member')
  await feed.cache.invalidate(
    CACHE_KEYS.PROJECT(projectId),
    CACHE_KEYS.USER_PROJECTS(userId),
    ...taskKeys(unassigned.map((t) => t.id)),
  )
  await publishChanges(feed, projectId, [
    { event: 'member.removed', payload: { userId } },
    ...unassigned.map((t) => ({
      event: 'task.updated' as const,
      payload: { task: TaskSchema.decode(t), changes: ['assigneeId'] },
    })),
  ])
  await revokeChannel(feed, projectId, userId)
}

/**
 * Hands the project to another member (owner or system admin only): the new owner's role becomes
 * `owner`, the old owner stays as `admin`. One transaction, guarded so a non-member is refused (422)
 * and a concurrent transfer cannot leave two owners.
 */
export async function transferProject(
  db: HttpDatabase,
  feed: Feed,
  caller: Caller,
  projectId: string,
  newOwnerId: string,
) {
  const { project, standing } = await loadProject(db, caller, projectId)
  assertAllowed(standing, 'transfer')
  const oldOwnerId = project.ownerId
  if (newOwnerId === oldOwnerId) throw ApiError.validation({ 'json.userId': 'is already the owner' })
  const isMember = sql`exists (select 1 from ${projectMembers} where ${projectMembers.projectId} = ${projectId} and ${projectMembers.userId} = ${newOwnerId})`
  const [moved] = await db.batch([
    db
      .update(projects)
      .set({ ownerId: newOwnerId })
      .where(and(eq(projects.id, projectId), eq(projects.ownerId, oldOwnerId), isMember))
      .returning(),
    db
      .update(projectMembers)
      .set({ role: sql`case when ${projectMembers.userId} = ${newOwnerId} then 'owner' else 'admin' end` })
      .where(
        and(
          eq(projectMembers.projectId, projectId),
          inArray(projectMembers.userId, [oldOwnerId, newOwnerId]),
          sql`exists (select 1 from ${projects} where ${projects.id} = ${projectId} and ${projects.ownerId} = ${newOwnerId})`,
        ),
      ),
  ])
  if (!moved[0]) throw ApiError.validation({ 'json.userId': 'must be a member of the project' })
  await feed.cache.invalidate(...(await projectKeys(db, projectId)))
  const out = ProjectSchema.decode(moved[0])
  await publishChanges(feed, projectId, [
    { event: 'project.updated', payload: { project: out, changes: ['ownerId'] } },
    { event: 'member.updated', payload: { member: { userId: newOwnerId, role: 'owner' } } },
    { event: 'member.updated', payload: { member: { userId: oldOwnerId, role: 'admin' } } },
  ])
  return out
}
