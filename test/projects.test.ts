import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { projectMembers, tasks } from '../src/db/schema'
import { call, data, expectError, seedUser, tag, validationDetails, withDb } from './helpers'
import { bareUser, freshProject, seedCrew, type Crew } from './project-helpers'

type Project = { id: string; name: string; ownerId: string; status: string; role: string | null }
type Detail = Project & {
  owner: { id: string; name: string }
  members: { userId: string; role: string; name: string }[]
  taskCounts: Record<string, number>
}
type Task = { id: string; title: string; status: string; assigneeId: string | null; createdBy: string; tags: string[] }

let crew: Crew
beforeAll(async () => {
  crew = await seedCrew()
})

describe('projects', () => {
  it('makes the creator its owner and member, whatever the body claims', async () => {
    const res = await call<Project>('POST', '/projects', crew.member.token, {
      name: 'Mine',
      ownerId: crew.owner.user.id,
    })
    expect(validationDetails(res)).toEqual({ 'json.ownerId': 'unknown field' })
    const created = data(await call<Project>('POST', '/projects', crew.member.token, { name: '  Mine  ' }))
    expect(created).toMatchObject({ name: 'Mine', ownerId: crew.member.user.id, status: 'active', role: 'owner' })
    const detail = data(await call<Detail>('GET', `/projects/${created.id}`, crew.member.token))
    expect(detail.members).toEqual([expect.objectContaining({ userId: crew.member.user.id, role: 'owner' })])
  })

  it('refuses every field a client may not set, on create and update', async () => {
    const { projectId } = await freshProject(crew)
    for (const field of ['id', 'ownerId', 'createdAt', 'updatedAt']) {
      const res = await call('PUT', `/projects/${projectId}`, crew.owner.token, { name: 'x', [field]: 'y' })
      expect(validationDetails(res)).toEqual({ [`json.${field}`]: 'unknown field' })
    }
    expect(validationDetails(await call('PUT', `/projects/${projectId}`, crew.owner.token, {}))).toHaveProperty('json')
  })

  it('shows its owner, members and task counts by status', async () => {
    const { projectId, extraId } = await freshProject(crew)
    await call('POST', `/projects/${projectId}/tasks`, crew.member.token, { title: 'Done one', status: 'done' })
    const detail = data(await call<Detail>('GET', `/projects/${projectId}`, crew.viewer.token))
    expect(detail.owner).toMatchObject({ id: crew.owner.user.id, name: 'Owner' })
    expect(detail.role).toBe('viewer')
    expect(detail.members.map((m) => [m.userId, m.role])).toEqual(
      expect.arrayContaining([
        [crew.owner.user.id, 'owner'],
        [crew.admin.user.id, 'admin'],
        [crew.viewer.user.id, 'viewer'],
        [extraId, 'member'],
      ]),
    )
    expect(detail.taskCounts).toEqual({ todo: 1, in_progress: 0, review: 0, done: 1 })
  })

  it('lists only projects the caller belongs to, filtered, sorted and paginated; every project for admins', async () => {
    const solo = await seedUser()
    const names = ['Alpha', 'Beta', 'Gamma'].map((n) => `${n} ${tag()}`)
    for (const name of names) await call('POST', '/projects', solo.token, { name })
    const { projectId } = await freshProject(crew)
    const mine = await call<Project[]>('GET', '/projects?sort=name&limit=2', solo.token)
    expect(data(mine).map((p) => p.name)).toEqual(names.slice(0, 2))
    expect(mine.body.success && mine.body.meta).toEqual({ page: 1, limit: 2, total: 3 })
    expect(data(await call<Project[]>('GET', `/projects?name=${names[1]!.slice(0, 4)}`, solo.token))).toHaveLength(1)
    expect(data(await call<Project[]>('GET', '/projects?page=3&limit=1', solo.token))).toHaveLength(1)
    expect(data(await call<Project[]>('GET', '/projects?page=9', solo.token))).toEqual([])
    const others = data(await call<Project[]>('GET', '/projects?limit=100', crew.outsider.token))
    expect(others.some((p) => p.id === projectId)).toBe(false)
    expectError(await call('GET', '/projects?scope=all', solo.token), 403, 'FORBIDDEN')
    const all = await call<Project[]>('GET', `/projects?scope=all&name=${names[0]}`, crew.sysadmin.token)
    expect(data(all)).toEqual([expect.objectContaining({ name: names[0], role: null })])
  })

  it('archives a project: its tasks become read-only until it is active again', async () => {
    const { projectId, taskId } = await freshProject(crew)
    expect(
      data(await call<Project>('PUT', `/projects/${projectId}`, crew.admin.token, { status: 'archived' })).status,
    ).toBe('archived')
    expectError(await call('POST', `/projects/${projectId}/tasks`, crew.member.token, { title: 'x' }), 409, 'CONFLICT')
    expectError(await call('PATCH', `/tasks/${taskId}`, crew.member.token, { status: 'done' }), 409, 'CONFLICT')
    expect((await call('GET', `/tasks/${taskId}`, crew.viewer.token)).status).toBe(200)
    await call('PUT', `/projects/${projectId}`, crew.owner.token, { status: 'active' })
    expect((await call('PATCH', `/tasks/${taskId}`, crew.member.token, { status: 'done' })).status).toBe(200)
  })

  it('deletes its members and tasks with it', async () => {
    const { projectId, taskId } = await freshProject(crew)
    expect((await call('DELETE', `/projects/${projectId}`, crew.owner.token)).status).toBe(204)
    const left = await withDb(async (db) => ({
      members: await db.$count(projectMembers, eq(projectMembers.projectId, projectId)),
      tasks: await db.$count(tasks, eq(tasks.projectId, projectId)),
    }))
    expect(left).toEqual({ members: 0, tasks: 0 })
    expectError(await call('GET', `/tasks/${taskId}`, crew.sysadmin.token), 404, 'NOT_FOUND')
  })

  it('answers 404 for an unknown project and 422 for a malformed id', async () => {
    expectError(await call('GET', `/projects/${crypto.randomUUID()}`, crew.sysadmin.token), 404, 'NOT_FOUND')
    expect(validationDetails(await call('GET', '/projects/not-a-uuid', crew.owner.token))).toHaveProperty('param.id')
  })
})

describe('members and transfer', () => {
  it('adds a user once (409 the second time), and 404 for a user that does not exist', async () => {
    const { projectId } = await freshProject(crew)
    const userId = await bareUser('Newcomer')
    const added = await call('POST', `/projects/${projectId}/members`, crew.admin.token, { userId })
    expect(data(added)).toMatchObject({ userId, role: 'member', name: 'Newcomer' })
    expectError(await call('POST', `/projects/${projectId}/members`, crew.admin.token, { userId }), 409, 'CONFLICT')
    const ghost = { userId: crypto.randomUUID() }
    expectError(await call('POST', `/projects/${projectId}/members`, crew.admin.token, ghost), 404, 'NOT_FOUND')
  })

  it('never makes an owner through the members routes', async () => {
    const { projectId, extraId } = await freshProject(crew)
    const body = { userId: await bareUser(), role: 'owner' }
    expect(
      validationDetails(await call('POST', `/projects/${projectId}/members`, crew.owner.token, body)),
    ).toHaveProperty('json.role')
    const put = await call('PUT', `/projects/${projectId}/members/${extraId}`, crew.owner.token, { role: 'owner' })
    expect(validationDetails(put)).toHaveProperty('json.role')
    const owner = `/projects/${projectId}/members/${crew.owner.user.id}`
    expectError(await call('PUT', owner, crew.admin.token, { role: 'viewer' }), 409, 'CONFLICT')
  })

  it('keeps the owner: it cannot be removed, by anyone', async () => {
    const { projectId } = await freshProject(crew)
    const path = `/projects/${projectId}/members/${crew.owner.user.id}`
    expectError(await call('DELETE', path, crew.admin.token), 409, 'CONFLICT')
    expectError(await call('DELETE', path, crew.sysadmin.token), 409, 'CONFLICT')
    expectError(await call('DELETE', path, crew.owner.token), 409, 'CONFLICT')
  })

  it('lets a member leave, and unassigns its tasks', async () => {
    const { projectId, taskId } = await freshProject(crew)
    expect(
      (await call('DELETE', `/projects/${projectId}/members/${crew.assignee.user.id}`, crew.assignee.token)).status,
    ).toBe(204)
    expect(data(await call<Task>('GET', `/tasks/${taskId}`, crew.owner.token)).assigneeId).toBeNull()
    expectError(await call('GET', `/projects/${projectId}`, crew.assignee.token), 404, 'NOT_FOUND')
    expectError(
      await call('DELETE', `/projects/${projectId}/members/${crew.assignee.user.id}`, crew.owner.token),
      404,
      'NOT_FOUND',
    )
  })

  it('transfers ownership to a member: the old owner stays as admin', async () => {
    const { projectId } = await freshProject(crew)
    const moved = await call<Project>('POST', `/projects/${projectId}/transfer`, crew.owner.token, {
      userId: crew.member.user.id,
    })
    expect(data(moved).ownerId).toBe(crew.member.user.id)
    const detail = data(await call<Detail>('GET', `/projects/${projectId}`, crew.member.token))
    expect(detail.role).toBe('owner')
    expect(detail.members.find((m) => m.userId === crew.owner.user.id)?.role).toBe('admin')
    expect(detail.members.filter((m) => m.role === 'owner')).toHaveLength(1)
    // The former owner is an admin now: it may not transfer any more.
    const back = await call('POST', `/projects/${projectId}/transfer`, crew.owner.token, { userId: crew.owner.user.id })
    expectError(back, 403, 'FORBIDDEN')
  })

  it('refuses a transfer to a non-member or to the owner itself (422), changing nothing', async () => {
    const { projectId } = await freshProject(crew)
    const path = `/projects/${projectId}/transfer`
    expect(validationDetails(await call('POST', path, crew.owner.token, { userId: crew.outsider.user.id }))).toEqual({
      'json.userId': 'must be a member of the project',
    })
    expect(validationDetails(await call('POST', path, crew.owner.token, { userId: crew.owner.user.id }))).toEqual({
      'json.userId': 'is already the owner',
    })
    expect(data(await call<Detail>('GET', `/projects/${projectId}`, crew.owner.token)).role).toBe('owner')
  })
})

describe('tasks', () => {
  it('takes createdBy from the caller and refuses projectId, createdBy and unknown fields', async () => {
    const { projectId } = await freshProject(crew)
    for (const field of ['projectId', 'createdBy', 'id', 'updatedAt']) {
      const res = await call('POST', `/projects/${projectId}/tasks`, crew.member.token, { title: 't', [field]: 'x' })
      expect(validationDetails(res)).toEqual({ [`json.${field}`]: 'unknown field' })
    }
    const created = data(await call<Task>('POST', `/projects/${projectId}/tasks`, crew.member.token, { title: 'Mine' }))
    expect(created).toMatchObject({ createdBy: crew.member.user.id, status: 'todo', tags: [] })
    const patch = await call('PATCH', `/tasks/${created.id}`, crew.member.token, {
      title: 'Moved',
      projectId: crypto.randomUUID(),
    })
    expect(validationDetails(patch)).toEqual({ 'json.projectId': 'unknown field' })
  })

  it('assigns only members of the project (422 otherwise)', async () => {
    const { projectId, taskId, extraId } = await freshProject(crew)
    const outsider = { title: 'x', assigneeId: crew.outsider.user.id }
    expect(validationDetails(await call('POST', `/projects/${projectId}/tasks`, crew.member.token, outsider))).toEqual({
      'json.assigneeId': 'must be a member of the project',
    })
    expect(
      validationDetails(
        await call('PATCH', `/tasks/${taskId}`, crew.member.token, { assigneeId: crew.outsider.user.id }),
      ),
    ).toEqual({ 'json.assigneeId': 'must be a member of the project' })
    expect(
      data(await call<Task>('PATCH', `/tasks/${taskId}`, crew.member.token, { assigneeId: extraId })).assigneeId,
    ).toBe(extraId)
  })

  it('replaces a task with PUT: omitted fields go back to their defaults', async () => {
    const { taskId } = await freshProject(crew)
    await call('PATCH', `/tasks/${taskId}`, crew.member.token, { status: 'review', tags: ['a'] })
    const put = data(await call<Task>('PUT', `/tasks/${taskId}`, crew.member.token, { title: 'Again' }))
    expect(put).toMatchObject({ title: 'Again', status: 'todo', tags: [], assigneeId: null })
  })

  it('filters by status, priority, assignee, tag and due date, and sorts by due date', async () => {
    const { projectId } = await freshProject(crew)
    const day = (n: number) => new Date(Date.UTC(2030, 0, n)).toISOString()
    const specs = [
      { title: 'a', status: 'todo', priority: 'low', tags: ['x'], dueDate: day(3) },
      { title: 'b', status: 'done', priority: 'urgent', tags: ['x', 'y'], dueDate: day(1) },
      { title: 'c', status: 'todo', priority: 'urgent', assigneeId: crew.member.user.id, dueDate: day(2) },
    ]
    for (const s of specs)
      expect((await call('POST', `/projects/${projectId}/tasks`, crew.owner.token, s)).status).toBe(201)
    const titles = async (q: string) =>
      data(await call<Task[]>('GET', `/projects/${projectId}/tasks?${q}`, crew.viewer.token)).map((t) => t.title)
    expect(await titles('status=todo&sort=title')).toEqual(['First task', 'a', 'c'])
    expect(await titles('priority=urgent&sort=title')).toEqual(['b', 'c'])
    expect(await titles(`assigneeId=${crew.member.user.id}`)).toEqual(['c'])
    expect(await titles('tag=x&sort=title')).toEqual(['a', 'b'])
    expect(await titles(`dueBefore=${day(3)}&sort=dueDate`)).toEqual(['b', 'c'])
    expect(await titles(`dueAfter=${day(1)}&sort=-dueDate`)).toEqual(['a', 'c'])
    expect(await titles('sort=dueDate')).toEqual(['b', 'c', 'a', 'First task'])
    const page = await call<Task[]>('GET', `/projects/${projectId}/tasks?limit=2&page=2&sort=title`, crew.viewer.token)
    expect(data(page).map((t) => t.title)).toEqual(['b', 'c'])
    expect(page.body.success && page.body.meta?.total).toBe(4)
    expect(
      validationDetails(await call('GET', `/projects/${projectId}/tasks?status=later`, crew.owner.token)),
    ).toHaveProperty('query.status')
  })
})
