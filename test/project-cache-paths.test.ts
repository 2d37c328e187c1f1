// The other ways in to the same services: GraphQL mutations, the WebSocket `task_update` frame, an email change
// and the admin's user deletion invalidate seed 001's cached reads exactly as the REST routes of
// test/project-cache.test.ts do, and GraphQL reads go through the cache.
import { beforeAll, describe, expect, it } from 'vitest'
import { applyTaskFrame } from '../src/features/tasks/task-frames'
import { cached, warm, gqlVia, hasRedis, ok, via } from './cache-helpers'
import { projectMembers } from '../src/db/schema'
import { seedUser, withDb } from './helpers'
import { freshProject, seedCrew, type Crew } from './project-helpers'

type Detail = {
  name: string
  members: { userId: string; name: string; email: string; role: string }[]
  taskCounts: { todo: number }
}
type Task = { id: string; title: string; status: string }

let crew: Crew
beforeAll(async () => {
  crew = await seedCrew()
})

const detail = async (id: string) => ok(await via<Detail>(cached, 'GET', `/projects/${id}`, crew.owner.token))
const task = (id: string) => via<Task>(cached, 'GET', `/tasks/${id}`, crew.owner.token)
const gql = <T>(query: string, variables: Record<string, unknown> = {}, token = crew.owner.token) =>
  gqlVia<T>(cached, token, query, variables)

const PROJECT = 'query($id: ID!) { project(id: $id) { id name members { role user { id } } } }'
const TASK = 'query($id: ID!) { task(id: $id) { id title status } }'
const PROJECTS = '{ projects(limit: 100) { id name } }'

describe.runIf(hasRedis)('cache-aside through GraphQL and the task_update frame', () => {
  it('serves GraphQL project, projects and task reads from the cache', async () => {
    const { projectId, taskId } = await freshProject(crew)
    await warm(
      () => gql(PROJECT, { id: projectId }),
      () => gql(PROJECTS),
      () => gql(TASK, { id: taskId }),
    )
  })

  it('invalidates on updateProject and addMember', async () => {
    const { projectId } = await freshProject(crew)
    const newcomer = await seedUser({ name: 'Newcomer' })
    await warm(
      () => gql(PROJECT, { id: projectId }),
      () => gql(PROJECTS, {}, crew.member.token),
      () => gql(PROJECTS, {}, newcomer.token),
    )
    await gql('mutation($id: ID!) { updateProject(id: $id, input: { name: "Via GraphQL" }) { id } }', {
      id: projectId,
    })
    await gql('mutation($p: ID!, $u: ID!) { addMember(projectId: $p, userId: $u, role: viewer) { role } }', {
      p: projectId,
      u: newcomer.user.id,
    })
    const p = await gql<{ project: { name: string; members: { role: string; user: { id: string } }[] } }>(PROJECT, {
      id: projectId,
    })
    expect(p.project.name).toBe('Via GraphQL')
    expect(p.project.members.map((m) => m.user.id)).toContain(newcomer.user.id)
    const mine = await gql<{ projects: { id: string; name: string }[] }>(PROJECTS, {}, crew.member.token)
    expect(mine.projects.find((x) => x.id === projectId)?.name).toBe('Via GraphQL')
    const theirs = await gql<{ projects: { id: string }[] }>(PROJECTS, {}, newcomer.token)
    expect(theirs.projects.map((x) => x.id)).toEqual([projectId])
  })

  it('invalidates on createTask, updateTask and deleteTask', async () => {
    const { projectId, taskId } = await freshProject(crew)
    await warm(
      () => detail(projectId),
      () => gql(TASK, { id: taskId }),
    )
    const created = await gql<{ createTask: { id: string } }>(
      'mutation($p: ID!) { createTask(projectId: $p, input: { title: "New" }) { id } }',
      { p: projectId },
    )
    expect((await detail(projectId)).taskCounts.todo).toBe(2)
    await gql('mutation($id: ID!) { updateTask(id: $id, input: { title: "Renamed" }) { id } }', { id: taskId })
    expect((await gql<{ task: Task }>(TASK, { id: taskId })).task.title).toBe('Renamed')
    await warm(
      () => detail(projectId),
      () => task(created.createTask.id),
    )
    await gql('mutation($id: ID!) { deleteTask(id: $id) }', { id: created.createTask.id })
    expect((await task(created.createTask.id)).status).toBe(404)
    expect((await detail(projectId)).taskCounts.todo).toBe(1)
  })

  it('invalidates on updateUser (a member name in project details)', async () => {
    const { projectId } = await freshProject(crew)
    await warm(() => detail(projectId))
    const rename = 'mutation($id: ID!, $name: String!) { updateUser(id: $id, input: { name: $name }) { id } }'
    await gql(rename, { id: crew.member.user.id, name: 'Graph Member' }, crew.member.token)
    expect((await detail(projectId)).members.find((m) => m.userId === crew.member.user.id)?.name).toBe('Graph Member')
    await gql(rename, { id: crew.member.user.id, name: 'Member' }, crew.member.token)
  })

  it("invalidates on createProject (the creator's project list)", async () => {
    await warm(() => gql(PROJECTS))
    const made = await gql<{ createProject: { id: string } }>(
      'mutation { createProject(input: { name: "Made via GraphQL" }) { id } }',
    )
    const mine = await gql<{ projects: { id: string; name: string }[] }>(PROJECTS)
    expect(mine.projects.find((x) => x.id === made.createProject.id)?.name).toBe('Made via GraphQL')
  })

  it("invalidates on an email change (an admin's PUT /users/:id: the member emails a project detail shows)", async () => {
    const { projectId } = await freshProject(crew)
    const before = crew.member.user.email
    await warm(() => detail(projectId))
    const email = `moved-${crypto.randomUUID().slice(0, 8)}@example.com`
    ok(await via(cached, 'PUT', `/users/${crew.member.user.id}`, crew.sysadmin.token, { email }))
    expect((await detail(projectId)).members.find((m) => m.userId === crew.member.user.id)?.email).toBe(email)
    ok(await via(cached, 'PUT', `/users/${crew.member.user.id}`, crew.sysadmin.token, { email: before }))
  })

  it('invalidates on DELETE /admin/users/:id (the deleted member leaves the project detail)', async () => {
    const doomed = await seedUser({ name: 'Doomed by an admin' })
    const { projectId } = await freshProject(crew)
    await withDb((db) => db.insert(projectMembers).values({ projectId, userId: doomed.user.id, role: 'member' }))
    await warm(() => detail(projectId))
    expect((await via(cached, 'DELETE', `/admin/users/${doomed.user.id}`, crew.sysadmin.token)).status).toBe(204)
    expect((await detail(projectId)).members.map((m) => m.userId)).not.toContain(doomed.user.id)
  })

  it('invalidates on a task_update frame (the function the channel hub runs)', async () => {
    const { projectId, taskId } = await freshProject(crew)
    await warm(
      () => detail(projectId),
      () => task(taskId),
    )
    const reply = await applyTaskFrame(
      cached,
      crew.member.user.id,
      `project:${projectId}`,
      { taskId, changes: { title: 'From a frame', status: 'done' } },
      () => {},
    )
    expect(reply.event).toBe('task_updated')
    expect(ok(await task(taskId))).toMatchObject({ title: 'From a frame', status: 'done' })
    expect((await detail(projectId)).taskCounts.todo).toBe(0)
  })
})
