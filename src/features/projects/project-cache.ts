import { asc, eq, or } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { projectMembers, projects, tasks } from '../../db/schema'
import { CACHE_KEYS } from '../../lib/cache'

// Which cached reads (src/lib/cache.ts) a committed write outdates. Authorization never comes from
// these entries: membership is read from Postgres on every request (docs/decisions.md).

/** The caller's memberships, by project id: what a cached project list is checked against. */
export async function membershipsOf(db: Database, userId: string) {
  return db
    .select({ projectId: projectMembers.projectId, role: projectMembers.role })
    .from(projectMembers)
    .where(eq(projectMembers.userId, userId))
    .orderBy(asc(projectMembers.projectId))
}

/** A change to the project's own row or its members: its detail, and every member's project list. */
export async function projectKeys(db: Database, projectId: string) {
  const members = await db
    .select({ userId: projectMembers.userId })
    .from(projectMembers)
    .where(eq(projectMembers.projectId, projectId))
  return [CACHE_KEYS.PROJECT(projectId), ...members.map((m) => CACHE_KEYS.USER_PROJECTS(m.userId))]
}

/**
 * A change to a user's profile (the name and email project details show) or the user's deletion:
 * the details of every project it belongs to, the lists of every member of the projects it owns
 * (deleted with it), and the tasks it created or is assigned (their ids become null). Read before
 * the change, in its transaction when there is one.
 */
export async function userKeys(db: Database, userId: string) {
  const [details, coMembers, itsTasks] = await Promise.all([
    profileKeys(db, userId),
    db
      .select({ userId: projectMembers.userId })
      .from(projectMembers)
      .innerJoin(projects, eq(projects.id, projectMembers.projectId))
      .where(eq(projects.ownerId, userId)),
    db
      .select({ id: tasks.id })
      .from(tasks)
      .where(or(eq(tasks.assigneeId, userId), eq(tasks.createdBy, userId))),
  ])
  return [
    CACHE_KEYS.USER_PROJECTS(userId),
    ...details,
    ...coMembers.map((m) => CACHE_KEYS.USER_PROJECTS(m.userId)),
    ...itsTasks.map((t) => CACHE_KEYS.TASK(t.id)),
  ]
}

/** The projects a user belongs to (a profile change shows in their details only). */
export async function profileKeys(db: Database, userId: string) {
  const rows = await db
    .select({ id: projectMembers.projectId })
    .from(projectMembers)
    .where(eq(projectMembers.userId, userId))
  return rows.map((p) => CACHE_KEYS.PROJECT(p.id))
}

/** Tasks by id, for writes that change several (a removed member's tasks are unassigned). */
export const taskKeys = (ids: readonly string[]) => ids.map((id) => CACHE_KEYS.TASK(id))
