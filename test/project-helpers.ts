/** Fixtures for projects and tasks: a cast of users and fresh projects written straight to Postgres. */
import { projectMembers, projects, tasks, users, type ProjectRole } from '../src/db/schema'
import { seedUser, withDb } from './helpers'

/** A user row without a password or session: someone to act on, never a caller. */
export async function bareUser(name = 'Extra') {
  const [u] = await withDb((db) =>
    db
      .insert(users)
      .values({ email: `bare-${crypto.randomUUID().slice(0, 12)}@example.com`, name, passwordHash: 'x' })
      .returning({ id: users.id }),
  )
  return u!.id
}

/**
 * Everyone a project's rules tell apart: its owner, a project admin, a member, a viewer, a viewer
 * the task is assigned to, an outsider, and a system admin. `extra` is a plain member to act on.
 */
export async function seedCrew() {
  const [owner, admin, member, viewer, assignee, outsider, sysadmin, moderator] = await Promise.all([
    seedUser({ name: 'Owner' }),
    seedUser({ name: 'Project Admin' }),
    seedUser({ name: 'Member' }),
    seedUser({ name: 'Viewer' }),
    seedUser({ name: 'Assignee' }),
    seedUser({ name: 'Outsider' }),
    seedUser({ roles: ['admin'], name: 'System Admin' }),
    seedUser({ roles: ['moderator'], name: 'Moderator' }),
  ])
  return { owner, admin, member, viewer, assignee, outsider, sysadmin, moderator }
}
export type Crew = Awaited<ReturnType<typeof seedCrew>>

export type Fixture = { projectId: string; taskId: string; extraId: string }

/**
 * A project of `crew.owner` with the crew in their roles, a plain `extra` member, and one task the
 * owner created, assigned to `crew.assignee` (a viewer).
 */
export async function freshProject(crew: Crew): Promise<Fixture> {
  const extraId = await bareUser()
  const projectId = crypto.randomUUID()
  const taskId = crypto.randomUUID()
  const roles: [string, ProjectRole][] = [
    [crew.owner.user.id, 'owner'],
    [crew.admin.user.id, 'admin'],
    [crew.member.user.id, 'member'],
    [crew.viewer.user.id, 'viewer'],
    [crew.assignee.user.id, 'viewer'],
    [extraId, 'member'],
  ]
  await withDb((db) =>
    db.batch([
      db
        .insert(projects)
        .values({ id: projectId, name: `Project ${projectId.slice(0, 6)}`, ownerId: crew.owner.user.id }),
      db.insert(projectMembers).values(roles.map(([userId, role]) => ({ projectId, userId, role }))),
      db.insert(tasks).values({
        id: taskId,
        projectId,
        title: 'First task',
        assigneeId: crew.assignee.user.id,
        createdBy: crew.owner.user.id,
      }),
    ]),
  )
  return { projectId, taskId, extraId }
}
