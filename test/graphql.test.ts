import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { projectMembers, projects, tasks } from '../src/db/schema'
import { api, call, seedUser, tag, withDb } from './helpers'
import { freshProject, seedCrew, type Crew } from './project-helpers'

type Gql<T = Record<string, unknown>> = {
  data?: T | null
  errors?: { message: string; extensions?: { code?: string; details?: Record<string, string> } }[]
}

async function gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string) {
  const res = await api<never>('/api/v1/graphql', { method: 'POST', token, json: { query, variables } })
  return { status: res.status, body: res.body as unknown as Gql<T> }
}

let crew: Crew
beforeAll(async () => {
  crew = await seedCrew()
})

/** `n` projects of a fresh owner, each with `perTask` tasks assigned to members (distinct users). */
async function projectsWithTasks(n: number, perTask: number) {
  const owner = crew.owner.user.id
  const assignees = [crew.member.user.id, crew.viewer.user.id, crew.admin.user.id]
  await withDb(async (db) => {
    for (let i = 0; i < n; i++) {
      const id = crypto.randomUUID()
      await db.batch([
        db.insert(projects).values({ id, name: `Nested ${tag()}`, ownerId: owner }),
        db
          .insert(projectMembers)
          .values([
            { projectId: id, userId: owner, role: 'owner' },
            ...assignees.map((userId) => ({ projectId: id, userId, role: 'member' as const })),
          ]),
        db.insert(tasks).values(
          Array.from({ length: perTask }, (_, t) => ({
            projectId: id,
            title: `T${t}`,
            assigneeId: assignees[t % assignees.length]!,
          })),
        ),
      ])
    }
  })
}

const NESTED = `query($limit: Int) { projects(limit: $limit) { id name owner { name } members { role user { id } }
  tasks { title assignee { id name } } } }`

/** SQL statements (Neon HTTP requests) the Worker sends while `run` runs. */
async function statements(run: () => Promise<unknown>) {
  const spy = vi.spyOn(globalThis, 'fetch')
  try {
    await run()
    return spy.mock.calls.filter(([input]) => String(input instanceof Request ? input.url : input).includes('/sql'))
      .length
  } finally {
    spy.mockRestore()
  }
}

describe('GraphQL', () => {
  it('answers a nested query of projects × tasks × assignees in a constant number of statements', async () => {
    await projectsWithTasks(20, 5)
    await gql(NESTED, { limit: 1 }, crew.owner.token) // the caller's roles are cached after a first request
    const small = await statements(() => gql(NESTED, { limit: 2 }, crew.owner.token))
    const large = await statements(async () => {
      const res = await gql<{ projects: { tasks: { assignee: { name: string } }[] }[] }>(
        NESTED,
        { limit: 20 },
        crew.owner.token,
      )
      expect(res.body.errors).toBeUndefined()
      expect(res.body.data!.projects).toHaveLength(20)
      expect(res.body.data!.projects.every((p) => p.tasks.length === 5 && p.tasks.every((t) => t.assignee.name))).toBe(
        true,
      )
    })
    expect(large).toBe(small)
    expect(large).toBeLessThanOrEqual(6)
  })

  it('refuses queries past the depth or cost limit before running them', async () => {
    const deep = await gql(
      '{ projects { owner { posts { author { posts { author { posts { author { posts { id } } } } } } } } } }',
      {},
      crew.owner.token,
    )
    expect(deep.body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('depth'),
      extensions: { code: 'QUERY_TOO_DEEP' },
    })
    const costly = await gql(
      '{ projects(limit: 100) { tasks { assignee { posts { title } } } } }',
      {},
      crew.owner.token,
    )
    expect(costly.body.errors?.[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COSTLY' } })
    expect(costly.body.data ?? null).toBeNull()
  })

  it('hides introspection outside development, serves the SDL, and needs a caller', async () => {
    const intro = await gql('{ __schema { types { name } } }', {}, crew.owner.token)
    expect(intro.body.errors?.[0]?.message).toMatch(/introspection/i)
    const sdl = await SELF_TEXT('/api/v1/graphql/schema.graphql')
    expect(sdl).toContain('type Project')
    expect(sdl).toContain('createTask(projectId: ID!, input: CreateTaskInput!): Task!')
    const anon = await gql('{ projects { id } }')
    expect(anon.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED')
    expect((await gql('{ projects { id } }', {}, 'not.a.jwt')).status).toBe(401)
  })

  it('answers queries over GET, but not mutations', async () => {
    const q = encodeURIComponent('{ projects(limit: 1) { id } }')
    const res = await api<never>(`/api/v1/graphql?query=${q}`, { token: crew.owner.token })
    expect((res.body as unknown as Gql).errors).toBeUndefined()
    const m = encodeURIComponent('mutation { createProject(input: { name: "Over GET" }) { id } }')
    const refused = await api<never>(`/api/v1/graphql?query=${m}`, { token: crew.owner.token })
    expect(refused.status).toBe(405)
  })

  it('answers a malformed id with VALIDATION_ERROR, as REST does, and never a stack trace', async () => {
    const res = await gql('{ task(id: "not-a-uuid") { id } }', {}, crew.owner.token)
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts|stack/)
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { 'args.id': expect.any(String) },
    })
  })
})

const SELF_TEXT = async (path: string) => (await app.request(path, {}, env)).text()

type Actor = 'outsider' | 'viewer' | 'assignee' | 'member' | 'admin' | 'owner' | 'sysadmin' | 'moderator'
const ACTORS: Actor[] = ['outsider', 'viewer', 'assignee', 'member', 'admin', 'owner', 'sysadmin', 'moderator']

/** One operation both ways: REST (status → code) and GraphQL (data, or the first error's code). */
type Op = {
  name: string
  rest: (f: Fixture) => [Parameters<typeof call>[0], string, unknown?]
  graphql: (f: Fixture) => [string, Record<string, unknown>]
}
type Fixture = Awaited<ReturnType<typeof freshProject>> & { postId: string; draftId: string }

const REST_CODE: Record<number, string> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  422: 'VALIDATION_ERROR',
}

const OPS: Op[] = [
  {
    name: 'read a project',
    rest: (f) => ['GET', `/projects/${f.projectId}`],
    graphql: (f) => ['query($id: ID!) { project(id: $id) { id } }', { id: f.projectId }],
  },
  {
    name: 'list its tasks',
    rest: (f) => ['GET', `/projects/${f.projectId}/tasks`],
    graphql: (f) => ['query($id: ID!) { tasks(projectId: $id) { id } }', { id: f.projectId }],
  },
  {
    name: 'update the project',
    rest: (f) => ['PUT', `/projects/${f.projectId}`, { description: 'x' }],
    graphql: (f) => [
      'mutation($id: ID!) { updateProject(id: $id, input: { description: "x" }) { id } }',
      { id: f.projectId },
    ],
  },
  {
    name: 'add a member',
    rest: (f) => ['POST', `/projects/${f.projectId}/members`, { userId: crew.outsider.user.id }],
    graphql: (f) => [
      'mutation($p: ID!, $u: ID!) { addMember(projectId: $p, userId: $u) { userId } }',
      { p: f.projectId, u: crew.outsider.user.id },
    ],
  },
  {
    name: 'create a task',
    rest: (f) => ['POST', `/projects/${f.projectId}/tasks`, { title: 'New' }],
    graphql: (f) => [
      'mutation($p: ID!) { createTask(projectId: $p, input: { title: "New" }) { id } }',
      { p: f.projectId },
    ],
  },
  {
    name: 'update a task',
    rest: (f) => ['PATCH', `/tasks/${f.taskId}`, { status: 'done' }],
    graphql: (f) => ['mutation($id: ID!) { updateTask(id: $id, input: { status: done }) { id } }', { id: f.taskId }],
  },
  {
    name: 'assign a task to a non-member',
    rest: (f) => ['PATCH', `/tasks/${f.taskId}`, { assigneeId: crew.outsider.user.id }],
    graphql: (f) => [
      'mutation($id: ID!, $u: ID!) { updateTask(id: $id, input: { assigneeId: $u }) { id } }',
      { id: f.taskId, u: crew.outsider.user.id },
    ],
  },
  {
    name: 'delete a task',
    rest: (f) => ['DELETE', `/tasks/${f.taskId}`],
    graphql: (f) => ['mutation($id: ID!) { deleteTask(id: $id) }', { id: f.taskId }],
  },
  {
    name: "read someone's draft",
    rest: (f) => ['GET', `/posts/${f.draftId}`],
    graphql: (f) => ['query($id: ID!) { post(id: $id) { id } }', { id: f.draftId }],
  },
  {
    name: "edit someone's published post",
    rest: (f) => ['PUT', `/posts/${f.postId}`, { title: 'Edited' }],
    graphql: (f) => ['mutation($id: ID!) { updatePost(id: $id, input: { title: "Edited" }) { id } }', { id: f.postId }],
  },
]

async function fixture(): Promise<Fixture> {
  const f = await freshProject(crew)
  const write = async (published: boolean) =>
    (await call<{ id: string }>('POST', '/posts', crew.owner.token, { title: 'P', content: 'C', published })).body
  const [post, draft] = [await write(true), await write(false)]
  return { ...f, postId: post.success ? post.data.id : '', draftId: draft.success ? draft.data.id : '' }
}

describe('REST and GraphQL give every actor the same answer', () => {
  for (const op of OPS) {
    it(op.name, async () => {
      const rest: Record<string, string> = {}
      const graph: Record<string, string> = {}
      for (const actor of ACTORS) {
        const token = crew[actor].token
        const [method, path, body] = op.rest(await fixture())
        const r = await call(method, path, token, body)
        rest[actor] = r.status < 300 ? 'OK' : (REST_CODE[r.status] ?? String(r.status))
        const [query, variables] = op.graphql(await fixture())
        const g = await gql(query, variables, token)
        graph[actor] = g.body.errors?.length ? (g.body.errors[0]!.extensions?.code ?? 'ERROR') : 'OK'
      }
      expect(graph).toEqual(rest)
    })
  }
})

describe('GraphQL and the API rate limit', () => {
  it('spends the same per-client budget as REST: 429 once REST has used it up, and the other way round', async () => {
    // The API budget is per caller (per IP for anonymous ones); here it is 3 requests.
    const vars = { ...env, RATE_LIMIT_API: '3/600', RATE_LIMIT_TIMEOUT_MS: '10000' } as unknown as Env
    const send = (token: string, path: string, init: RequestInit = {}) =>
      app.request(`/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } }, vars)
    const query = (token: string) =>
      send(token, '/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ posts(limit: 1) { id } }' }),
      })

    const rest = (await seedUser()).token
    for (let i = 0; i < 3; i++) expect((await send(rest, '/posts')).status).toBe(200)
    const refused = await query(rest)
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED')

    const graph = (await seedUser()).token
    for (let i = 0; i < 3; i++) expect((await query(graph)).status).toBe(200)
    expect((await send(graph, '/posts')).status).toBe(429)
  })
})
