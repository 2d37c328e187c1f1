// Cache-aside for seed 001's hot reads (a user's projects, a project with members, a task) on the local
// Redis behind the Upstash REST shim: a read after any REST write never returns the old value, a hit
// really comes from Redis, a stale entry never lets a non-member read, and Redis down or absent still answers.
import { env } from 'cloudflare:workers'
import { and, eq } from 'drizzle-orm'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { projectMembers, projects, tasks } from '../src/db/schema'
import { cacheUse, cached, warm, hasRedis, ok, redisDown, via } from './cache-helpers'
import { seedUser, withDb } from './helpers'
import { freshProject, seedCrew, type Crew } from './project-helpers'

type Member = { userId: string; role: string; name: string; email: string }
type Detail = {
  id: string
  name: string
  status: string
  ownerId: string
  role: string | null
  owner: { id: string; name: string }
  members: Member[]
  taskCounts: Record<string, number>
}
type Item = { id: string; name: string; status: string; ownerId: string; role: string }
type Task = { id: string; title: string; status: string; assigneeId: string | null }

let crew: Crew
beforeAll(async () => {
  crew = await seedCrew()
})

const detail = (id: string, token = crew.owner.token) => via<Detail>(cached, 'GET', `/projects/${id}`, token)
const list = async (token: string) => ok(await via<Item[]>(cached, 'GET', '/projects?limit=100', token))
const task = (id: string, token = crew.owner.token) => via<Task>(cached, 'GET', `/tasks/${id}`, token)
const write = async (method: string, path: string, json?: unknown, token = crew.owner.token) => {
  const res = await via(cached, method, path, token, json)
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
  return res
}

describe.runIf(hasRedis)('cache-aside on projects and tasks (Upstash)', () => {
  it('answers a repeated read from Redis: a change behind the API is not seen until a write invalidates', async () => {
    const { projectId, taskId } = await freshProject(crew)
    await warm(
      () => detail(projectId),
      () => list(crew.owner.token),
      () => task(taskId),
    )
    await withDb((db) =>
      db.batch([
        db.update(projects).set({ name: 'Behind the API' }).where(eq(projects.id, projectId)),
        db.update(tasks).set({ title: 'Behind the API' }).where(eq(tasks.id, taskId)),
      ]),
    )
    const use = await cacheUse(async () => {
      expect(ok(await detail(projectId)).name).not.toBe('Behind the API')
      expect((await list(crew.owner.token)).find((p) => p.id === projectId)?.name).not.toBe('Behind the API')
      expect(ok(await task(taskId)).title).toBe('First task')
    })
    expect(use).toEqual({ hits: 3, misses: 0, errors: 0 })
    await write('PUT', `/projects/${projectId}`, { description: 'now' })
    expect(ok(await detail(projectId)).name).toBe('Behind the API')
  })

  it('counts the hits and misses in /metrics', async () => {
    const { projectId } = await freshProject(crew)
    const before = await cacheSeries()
    await detail(projectId)
    await detail(projectId)
    const after = await cacheSeries()
    expect(after.miss - before.miss).toBeGreaterThanOrEqual(1)
    expect(after.hit - before.hit).toBeGreaterThanOrEqual(1)
  })

  it('shows a project update and archive at once, in its detail and in every member list', async () => {
    const { projectId } = await freshProject(crew)
    await warm(
      () => detail(projectId),
      () => list(crew.member.token),
    )
    await write('PUT', `/projects/${projectId}`, { name: 'Renamed' })
    expect(ok(await detail(projectId)).name).toBe('Renamed')
    expect((await list(crew.member.token)).find((p) => p.id === projectId)?.name).toBe('Renamed')
    await warm(() => list(crew.member.token))
    await write('PUT', `/projects/${projectId}`, { status: 'archived' })
    expect(ok(await detail(projectId)).status).toBe('archived')
    expect((await list(crew.member.token)).find((p) => p.id === projectId)?.status).toBe('archived')
  })

  it('forgets a deleted project: its detail and tasks answer 404, member lists drop it', async () => {
    const { projectId, taskId } = await freshProject(crew)
    await warm(
      () => detail(projectId),
      () => list(crew.member.token),
      () => task(taskId),
    )
    await write('DELETE', `/projects/${projectId}`)
    expect((await detail(projectId)).status).toBe(404)
    expect((await task(taskId)).status).toBe(404)
    expect((await list(crew.member.token)).map((p) => p.id)).not.toContain(projectId)
  })

  it('shows a project create in its creator list', async () => {
    const user = await seedUser({ name: 'Creator' })
    await warm(() => list(user.token))
    const created = ok(await write('POST', '/projects', { name: 'Brand new' }, user.token)) as { id: string }
    expect((await list(user.token)).map((p) => p.id)).toEqual([created.id])
  })

  it('shows member adds, role changes and removals in the detail and in that member list', async () => {
    const { projectId, taskId } = await freshProject(crew)
    const newcomer = await seedUser({ name: 'Newcomer' })
    await warm(
      () => detail(projectId),
      () => list(newcomer.token),
    )
    await write('POST', `/projects/${projectId}/members`, { userId: newcomer.user.id, role: 'viewer' })
    expect(ok(await detail(projectId)).members.find((m) => m.userId === newcomer.user.id)?.role).toBe('viewer')
    expect((await list(newcomer.token)).find((p) => p.id === projectId)?.role).toBe('viewer')

    await warm(
      () => detail(projectId),
      () => list(newcomer.token),
    )
    await write('PUT', `/projects/${projectId}/members/${newcomer.user.id}`, { role: 'member' })
    expect(ok(await detail(projectId)).members.find((m) => m.userId === newcomer.user.id)?.role).toBe('member')
    expect((await list(newcomer.token)).find((p) => p.id === projectId)?.role).toBe('member')

    // The assignee's task is unassigned by the removal.
    await warm(
      () => detail(projectId),
      () => list(crew.assignee.token),
      () => task(taskId),
    )
    await write('DELETE', `/projects/${projectId}/members/${crew.assignee.user.id}`)
    expect(ok(await detail(projectId)).members.map((m) => m.userId)).not.toContain(crew.assignee.user.id)
    expect((await list(crew.assignee.token)).map((p) => p.id)).not.toContain(projectId)
    expect((await detail(projectId, crew.assignee.token)).status).toBe(404)
    expect(ok(await task(taskId)).assigneeId).toBeNull()
  })

  it('shows a transfer in the detail and in every member list', async () => {
    const { projectId } = await freshProject(crew)
    await warm(
      () => detail(projectId),
      () => list(crew.viewer.token),
    )
    await write('POST', `/projects/${projectId}/transfer`, { userId: crew.admin.user.id })
    const d = ok(await detail(projectId))
    expect(d.ownerId).toBe(crew.admin.user.id)
    expect(d.owner.name).toBe('Project Admin')
    expect(d.members.find((m) => m.userId === crew.owner.user.id)?.role).toBe('admin')
    expect((await list(crew.viewer.token)).find((p) => p.id === projectId)?.ownerId).toBe(crew.admin.user.id)
  })

  it('shows task creates, PUTs, PATCHes and deletes in the task and in the project task counts', async () => {
    const { projectId, taskId } = await freshProject(crew)
    const counts = async () => ok(await detail(projectId)).taskCounts
    await warm(() => detail(projectId))
    const created = ok(await write('POST', `/projects/${projectId}/tasks`, { title: 'Second' })) as Task
    expect(await counts()).toMatchObject({ todo: 2, done: 0 })

    await warm(
      () => detail(projectId),
      () => task(taskId),
    )
    await write('PUT', `/tasks/${taskId}`, { title: 'Put', status: 'review' })
    expect(ok(await task(taskId))).toMatchObject({ title: 'Put', status: 'review' })
    expect(await counts()).toMatchObject({ todo: 1, review: 1 })

    await warm(
      () => detail(projectId),
      () => task(taskId),
    )
    await write('PATCH', `/tasks/${taskId}`, { status: 'done' })
    expect(ok(await task(taskId)).status).toBe('done')
    expect(await counts()).toMatchObject({ todo: 1, review: 0, done: 1 })

    await warm(
      () => detail(projectId),
      () => task(created.id),
    )
    await write('DELETE', `/tasks/${created.id}`)
    expect((await task(created.id)).status).toBe(404)
    expect(await counts()).toMatchObject({ todo: 0, done: 1 })
  })

  it('shows a member name change (PUT /users/:id and PUT /auth/profile) in the project details', async () => {
    const { projectId } = await freshProject(crew)
    const someone = await seedUser({ name: 'Before' })
    await withDb((db) => db.insert(projectMembers).values({ projectId, userId: someone.user.id, role: 'member' }))
    await warm(() => detail(projectId))
    await write('PUT', `/users/${someone.user.id}`, { name: 'After' }, crew.sysadmin.token)
    expect(ok(await detail(projectId)).members.find((m) => m.userId === someone.user.id)?.name).toBe('After')
    await warm(() => detail(projectId))
    await write('PUT', '/auth/profile', { name: 'Again' }, someone.token)
    expect(ok(await detail(projectId)).members.find((m) => m.userId === someone.user.id)?.name).toBe('Again')
  })

  it('follows a user deletion: owned projects leave member lists, memberships and assignments go', async () => {
    const doomed = await seedUser({ name: 'Doomed' })
    const owned = ok(await write('POST', '/projects', { name: 'Owned by doomed' }, doomed.token)) as { id: string }
    await write('POST', `/projects/${owned.id}/members`, { userId: crew.member.user.id, role: 'member' }, doomed.token)
    const { projectId, taskId } = await freshProject(crew)
    await withDb((db) =>
      db.batch([
        db.insert(projectMembers).values({ projectId, userId: doomed.user.id, role: 'member' }),
        db.update(tasks).set({ assigneeId: doomed.user.id }).where(eq(tasks.id, taskId)),
      ]),
    )
    await warm(
      () => list(crew.member.token),
      () => detail(projectId),
      () => task(taskId),
    )
    await write('DELETE', `/users/${doomed.user.id}`, undefined, crew.sysadmin.token)
    expect((await list(crew.member.token)).map((p) => p.id)).not.toContain(owned.id)
    expect(ok(await detail(projectId)).members.map((m) => m.userId)).not.toContain(doomed.user.id)
    expect(ok(await task(taskId)).assigneeId).toBeNull()
  })

  it('never lets a stale entry show a project to someone no longer in it (an invalidation that failed)', async () => {
    const { projectId, taskId } = await freshProject(crew)
    await warm(
      () => detail(projectId, crew.member.token),
      () => list(crew.member.token),
      () => task(taskId, crew.member.token),
    )
    // Removed straight in Postgres: no invalidation reaches Redis, as when Redis failed during the write.
    await withDb((db) =>
      db
        .delete(projectMembers)
        .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, crew.member.user.id))),
    )
    expect((await detail(projectId, crew.member.token)).status).toBe(404)
    expect((await task(taskId, crew.member.token)).status).toBe(404)
    expect((await list(crew.member.token)).map((p) => p.id)).not.toContain(projectId)
  })
})

describe('without a working cache', () => {
  it('answers reads and writes from Postgres when Redis is down', async () => {
    const { projectId, taskId } = await freshProject(crew)
    const use = await cacheUse(async () => {
      expect((await via(redisDown, 'GET', `/projects/${projectId}`, crew.owner.token)).status).toBe(200)
      expect((await via(redisDown, 'GET', '/projects', crew.owner.token)).status).toBe(200)
      expect((await via(redisDown, 'GET', `/tasks/${taskId}`, crew.owner.token)).status).toBe(200)
      expect((await via(redisDown, 'PATCH', `/tasks/${taskId}`, crew.owner.token, { title: 'Down' })).status).toBe(200)
      const t = await via<Task>(redisDown, 'GET', `/tasks/${taskId}`, crew.owner.token)
      expect(ok(t).title).toBe('Down')
    })
    expect(use.hits).toBe(0)
    expect(use.errors).toBeGreaterThanOrEqual(5)
  })

  it('answers reads and writes from Postgres when Redis never answers, each call cut at the timeout', async () => {
    const { projectId, taskId } = await freshProject(crew)
    const slow = { ...redisDown, UPSTASH_REDIS_REST_URL: 'https://redis-slow.outpost.test' } as Env
    const real = globalThis.fetch
    let asked = 0
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const req = new Request(input, init)
      if (new URL(req.url).host !== 'redis-slow.outpost.test') return real(input, init)
      asked++
      return new Promise<Response>(() => {})
    })
    try {
      const use = await cacheUse(async () => {
        expect((await via(slow, 'GET', `/projects/${projectId}`, crew.owner.token)).status).toBe(200)
        expect((await via(slow, 'GET', `/tasks/${taskId}`, crew.owner.token)).status).toBe(200)
        expect((await via(slow, 'PATCH', `/tasks/${taskId}`, crew.owner.token, { title: 'Slow' })).status).toBe(200)
        expect(ok(await via<Task>(slow, 'GET', `/tasks/${taskId}`, crew.owner.token)).title).toBe('Slow')
      })
      expect(use.hits).toBe(0)
      expect(use.errors).toBeGreaterThanOrEqual(4)
      expect(asked).toBeGreaterThanOrEqual(4)
    } finally {
      vi.restoreAllMocks()
    }
  })

  it('is simply uncached without Upstash credentials', async () => {
    expect(env.UPSTASH_REDIS_REST_URL).toBe('')
    const { projectId, taskId } = await freshProject(crew)
    const use = await cacheUse(async () => {
      for (let i = 0; i < 2; i++) {
        expect(ok(await via(env, 'GET', `/projects/${projectId}`, crew.owner.token))).toMatchObject({ id: projectId })
        expect(ok(await via(env, 'GET', '/projects', crew.owner.token))).toBeInstanceOf(Array)
        expect(ok(await via(env, 'GET', `/tasks/${taskId}`, crew.owner.token))).toMatchObject({ id: taskId })
      }
      await withDb((db) => db.update(tasks).set({ title: 'Changed in Postgres' }).where(eq(tasks.id, taskId)))
      expect(ok(await via<Task>(env, 'GET', `/tasks/${taskId}`, crew.owner.token)).title).toBe('Changed in Postgres')
    })
    expect(use).toEqual({ hits: 0, misses: 0, errors: 0 })
  })
})

type Family = { name: string; metrics: { labels?: Record<string, string>; value?: string }[] }

/** `outpost_cache_requests_total{cache="upstash"}` by result, as /metrics shows it (this isolate's batch included). */
async function cacheSeries() {
  const res = await app.request('/metrics', { headers: { authorization: `Bearer ${env.METRICS_TOKEN}` } }, cached)
  expect(res.status).toBe(200)
  const family = (parsePrometheusTextFormat(await res.text()) as Family[]).find(
    (f) => f.name === 'outpost_cache_requests_total',
  )
  const value = (result: string) =>
    Number(family?.metrics.find((m) => m.labels?.cache === 'upstash' && m.labels.result === result)?.value ?? 0)
  return { hit: value('hit'), miss: value('miss') }
}
