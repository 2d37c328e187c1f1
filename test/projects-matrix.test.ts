/**
 * The authorization matrix of projects, members and tasks (seed 001's policies): every route,
 * called by each kind of caller against a fresh project, with the exact status each must get.
 * Outsiders get 404 (a project they may not see does not exist for them), members without the
 * right 403, anonymous callers 401.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { call, tag, type Method } from './helpers'
import { bareUser, freshProject, seedCrew, type Crew, type Fixture } from './project-helpers'

type Actor = 'anonymous' | 'outsider' | 'moderator' | 'viewer' | 'assignee' | 'member' | 'admin' | 'owner' | 'sysadmin'
const ACTORS: Actor[] = [
  'anonymous',
  'outsider',
  'moderator',
  'viewer',
  'assignee',
  'member',
  'admin',
  'owner',
  'sysadmin',
]
const CODE_OF: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' }

type Ctx = Fixture & { newUserId: string }
type Row = {
  method: Method
  route: string
  path: (c: Ctx) => string
  body?: (c: Ctx) => unknown
  expect: Record<Actor, number>
}

/**
 * Anonymous 401, outsiders 404 (a moderator too: its role is about posts, not others' projects), each
 * listed actor `allowed`, other members 403.
 */
function only(allowed: Actor[], status: number): Record<Actor, number> {
  const out = { anonymous: 401, outsider: 404, moderator: 404 } as Record<Actor, number>
  for (const a of ACTORS.slice(3)) out[a] = allowed.includes(a) ? status : 403
  return out
}
const MEMBERS: Actor[] = ['viewer', 'assignee', 'member', 'admin', 'owner', 'sysadmin']
const MANAGERS: Actor[] = ['admin', 'owner', 'sysadmin']
const WRITERS: Actor[] = ['member', 'admin', 'owner', 'sysadmin']
const everyone = (status: number) => ({ ...only(MEMBERS, status), outsider: status, moderator: status })

const task = () => ({ title: `Task ${tag()}`, priority: 'high', tags: ['matrix'] })

const ROWS: Row[] = [
  { method: 'GET', route: '/projects', path: () => '/projects', expect: everyone(200) },
  {
    method: 'POST',
    route: '/projects',
    path: () => '/projects',
    body: () => ({ name: 'Mine' }),
    expect: everyone(201),
  },
  { method: 'GET', route: '/projects/:id', path: (c) => `/projects/${c.projectId}`, expect: only(MEMBERS, 200) },
  {
    method: 'PUT',
    route: '/projects/:id',
    path: (c) => `/projects/${c.projectId}`,
    body: () => ({ description: 'Changed' }),
    expect: only(MANAGERS, 200),
  },
  { method: 'DELETE', route: '/projects/:id', path: (c) => `/projects/${c.projectId}`, expect: only(MANAGERS, 204) },
  {
    method: 'GET',
    route: '/projects/:id/members',
    path: (c) => `/projects/${c.projectId}/members`,
    expect: only(MEMBERS, 200),
  },
  {
    method: 'GET',
    route: '/projects/:id/files',
    path: (c) => `/projects/${c.projectId}/files`,
    expect: only(MEMBERS, 200),
  },
  {
    method: 'POST',
    route: '/projects/:id/members',
    path: (c) => `/projects/${c.projectId}/members`,
    body: (c) => ({ userId: c.newUserId, role: 'member' }),
    expect: only(MANAGERS, 201),
  },
  {
    method: 'PUT',
    route: '/projects/:id/members/:userId',
    path: (c) => `/projects/${c.projectId}/members/${c.extraId}`,
    body: () => ({ role: 'viewer' }),
    expect: only(MANAGERS, 200),
  },
  {
    method: 'DELETE',
    route: '/projects/:id/members/:userId',
    path: (c) => `/projects/${c.projectId}/members/${c.extraId}`,
    expect: only(MANAGERS, 204),
  },
  {
    method: 'POST',
    route: '/projects/:id/transfer',
    path: (c) => `/projects/${c.projectId}/transfer`,
    body: (c) => ({ userId: c.extraId }),
    expect: only(['owner', 'sysadmin'], 200),
  },
  {
    method: 'GET',
    route: '/projects/:id/tasks',
    path: (c) => `/projects/${c.projectId}/tasks`,
    expect: only(MEMBERS, 200),
  },
  {
    method: 'POST',
    route: '/projects/:id/tasks',
    path: (c) => `/projects/${c.projectId}/tasks`,
    body: task,
    expect: only(WRITERS, 201),
  },
  { method: 'GET', route: '/tasks/:id', path: (c) => `/tasks/${c.taskId}`, expect: only(MEMBERS, 200) },
  {
    method: 'PUT',
    route: '/tasks/:id',
    path: (c) => `/tasks/${c.taskId}`,
    body: task,
    expect: only([...WRITERS, 'assignee'], 200),
  },
  {
    method: 'PATCH',
    route: '/tasks/:id',
    path: (c) => `/tasks/${c.taskId}`,
    body: () => ({ status: 'in_progress' }),
    expect: only([...WRITERS, 'assignee'], 200),
  },
  // The owner created the task: a member who did not may not delete it.
  { method: 'DELETE', route: '/tasks/:id', path: (c) => `/tasks/${c.taskId}`, expect: only(MANAGERS, 204) },
]

let crew: Crew
beforeAll(async () => {
  crew = await seedCrew()
})

const tokenOf = (actor: Actor) => (actor === 'anonymous' ? undefined : crew[actor].token)
const title = (row: Row) => `${row.method} ${row.route} → ${ACTORS.map((a) => `${a} ${row.expect[a]}`).join(' · ')}`
const cell = (status: number, code?: string) => (code ? `${status} ${code}` : `${status}`)

describe('authorization matrix: projects, members and tasks', () => {
  for (const row of ROWS) {
    it(title(row), async () => {
      const actual: Partial<Record<Actor, string>> = {}
      const expected: Partial<Record<Actor, string>> = {}
      for (const actor of ACTORS) {
        const ctx = { ...(await freshProject(crew)), newUserId: await bareUser() }
        const res = await call(row.method, row.path(ctx), tokenOf(actor), row.body?.(ctx))
        actual[actor] = cell(res.status, res.body?.success === false ? res.body.error.code : undefined)
        expected[actor] = cell(row.expect[actor], CODE_OF[row.expect[actor]])
      }
      expect(actual).toEqual(expected)
    })
  }

  it('has a row for every route the projects and tasks routers serve', () => {
    // A route with middleware is listed once per handler: count each method and path once.
    const served = [
      ...new Set(
        app.routes
          .filter((r) => r.method !== 'ALL' && /^\/api\/v1\/(projects|tasks)(\/|$)/.test(r.path))
          .map((r) => `${r.method} ${r.path.replace('/api/v1', '')}`),
      ),
    ]
    const covered = new Set(ROWS.map((r) => `${r.method} ${r.route}`))
    expect(served.length).toBe(17)
    expect(served.filter((route) => !covered.has(route))).toEqual([])
  })

  it('lets a member who created a task delete it, and a viewer who did not assign it not touch it', async () => {
    const { projectId } = await freshProject(crew)
    const created = await call<{ id: string }>('POST', `/projects/${projectId}/tasks`, crew.member.token, task())
    expect(created.status).toBe(201)
    const id = created.body.success ? created.body.data.id : ''
    expect((await call('PATCH', `/tasks/${id}`, crew.viewer.token, { status: 'done' })).status).toBe(403)
    expect((await call('DELETE', `/tasks/${id}`, crew.member.token)).status).toBe(204)
    expect((await call('GET', `/tasks/${id}`, crew.member.token)).status).toBe(404)
  })
})
