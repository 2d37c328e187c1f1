import { and, asc, count, desc, eq, ilike, inArray, isNotNull, type SQL } from 'drizzle-orm'
import type { Database, HttpDatabase } from '../../db/client'
import { projectMembers, projects, tasks, TASK_STATUSES, users, type Project } from '../../db/schema'
import { CACHE_KEYS, CACHE_TTL, type Cache } from '../../lib/cache'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import { membershipsOf, projectKeys } from './project-cache'
import { publishChange, revokeChannel, type Feed } from './project-feed'
import { assertAllowed, isSystemAdmin, standingOf, type Caller } from './project-rules'
import {
  MemberSchema,
  ProjectDetailSchema,
  ProjectListItemSchema,
  ProjectSchema,
  type CreateProjectInput,
  type ProjectListQuery,
  type UpdateProjectInput,
} from './projects.schemas'

/** The caller's membership row of each project, joined in (null where it has none). */
const myMembership = (caller: Caller) =>
  and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, caller.id))

/**
 * A project with the caller's standing in it, in one query. 404 when it does not exist or the
 * caller may not see it; the caller's rights beyond reading are checked by `assertAllowed`.
 */
export async function loadProject(db: Database, caller: Caller, id: string) {
  const [row] = await db
    .select({ project: projects, role: projectMembers.role })
    .from(projects)
    .leftJoin(projectMembers, myMembership(caller))
    .where(eq(projects.id, id))
  const standing = standingOf(caller, row?.role)
  if (!row) throw ApiError.notFound('Project')
  assertAllowed(standing, 'read')
  return { project: row.project, role: row.role, standing }
}

/** Creates a project owned by the caller, who becomes its `owner` member in the same transaction. */
export async function createProject(db: HttpDatabase, cache: Cache, caller: Caller, input: CreateProjectInput) {
  const id = crypto.randomUUID()
  const [[row]] = await db.batch([
    db
      .insert(projects)
      .values({
        id,
        name: input.name,
        description: input.description ?? null,
        settings: input.settings ?? {},
        ownerId: caller.id,
      })
      .returning(),
    db.insert(projectMembers).values({ projectId: id, userId: caller.id, role: 'owner' }),
  ])
  await cache.invalidate(CACHE_KEYS.USER_PROJECTS(caller.id))
  return ProjectListItemSchema.decode({ ...row!, role: 'owner' })
}

const SORT_COLUMNS = { createdAt: projects.createdAt, updatedAt: projects.updatedAt, name: projects.name }

/**
 * The caller's projects (owned or member of); `scope: all` lists every project, for system admins.
 * `mine` is cached per caller and query (seed 001's `user:<id>:projects`), and a cached page is
 * answered only while the caller's memberships, read from Postgres alongside, are still the ones
 * it was loaded with: a stale entry can never show a project to someone no longer in it.
 */
export async function listProjects(db: Database, cache: Cache, caller: Caller, q: ProjectListQuery) {
  if (q.scope === 'all' || !cache.enabled) return listFromDb(db, caller, q)
  const memberships = membershipsOf(db, caller.id)
  const [mine, cached] = await Promise.all([
    memberships,
    cache.read(
      CACHE_KEYS.USER_PROJECTS(caller.id),
      CACHE_TTL.PROJECT,
      async () => ({ memberships: fingerprint(await memberships), page: await listFromDb(db, caller, q) }),
      JSON.stringify([q.page, q.limit, q.sort, q.name ?? '', q.status ?? '']),
    ),
  ])
  const roles = new Map(mine.map((m) => [m.projectId, m.role]))
  const current = cached.memberships === fingerprint(mine) && cached.page.data.every((p) => roles.get(p.id) === p.role)
  return current ? cached.page : listFromDb(db, caller, q)
}

const fingerprint = (memberships: { projectId: string; role: string }[]) =>
  memberships.map((m) => `${m.projectId}:${m.role}`).join(',')

async function listFromDb(db: Database, caller: Caller, q: ProjectListQuery) {
  if (q.scope === 'all' && !isSystemAdmin(caller)) throw ApiError.forbidden('Only administrators list every project')
  const like = (s: string) => `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`
  const filters: (SQL | undefined)[] = [
    q.scope === 'mine' ? isNotNull(projectMembers.userId) : undefined,
    q.name ? ilike(projects.name, like(q.name)) : undefined,
    q.status ? eq(projects.status, q.status) : undefined,
  ]
  const where = and(...filters)
  const column = SORT_COLUMNS[q.sort.replace('-', '') as keyof typeof SORT_COLUMNS]
  const rows = await db
    .select({ project: projects, role: projectMembers.role, total: totalRows })
    .from(projects)
    .leftJoin(projectMembers, myMembership(caller))
    .where(where)
    .orderBy(q.sort.startsWith('-') ? desc(column) : asc(column), asc(projects.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => ProjectListItemSchema.decode({ ...r.project, role: r.role }),
    async () => {
      const [c] = await db
        .select({ n: count() })
        .from(projects)
        .leftJoin(projectMembers, myMembership(caller))
        .where(where)
      return c?.n ?? 0
    },
  )
}

/**
 * The project with its owner, its members and its task counts by status. The detail is cached
 * (seed 001's `project:<id>`) without the caller's role; whether the caller may read it, and its
 * role, come from Postgres on every call, in parallel with the cache.
 */
export async function getProject(db: Database, cache: Cache, caller: Caller, id: string) {
  if (!cache.enabled) {
    const { project, role } = await loadProject(db, caller, id)
    return { ...(await projectDetail(db, id, project)), role }
  }
  const [{ role }, detail] = await Promise.all([
    loadProject(db, caller, id),
    cache.read(CACHE_KEYS.PROJECT(id), CACHE_TTL.PROJECT, () => projectDetail(db, id)),
  ])
  return { ...detail, role }
}

/** The detail without the caller's role; `known` is the project's row when the caller has read it already. */
async function projectDetail(db: Database, id: string, known?: Project) {
  const [[project], members, counts] = await Promise.all([
    known ? [known] : db.select().from(projects).where(eq(projects.id, id)),
    membersOf(db, id),
    db.select({ status: tasks.status, n: count() }).from(tasks).where(eq(tasks.projectId, id)).groupBy(tasks.status),
  ])
  if (!project) throw ApiError.notFound('Project')
  const owner = members.find((m) => m.userId === project.ownerId)
  const taskCounts = Object.fromEntries(TASK_STATUSES.map((s) => [s, counts.find((c) => c.status === s)?.n ?? 0]))
  return ProjectDetailSchema.decode({
    ...project,
    role: null,
    owner: { id: project.ownerId, name: owner?.name ?? '', email: owner?.email ?? '' },
    members,
    taskCounts: taskCounts as Record<(typeof TASK_STATUSES)[number], number>,
  })
}

/** Every member of a project with its name and email, oldest first. */
export async function membersOf(db: Database, projectId: string) {
  return db
    .select({
      userId: projectMembers.userId,
      role: projectMembers.role,
      joinedAt: projectMembers.joinedAt,
      name: users.name,
      email: users.email,
    })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(asc(projectMembers.joinedAt), asc(projectMembers.userId))
}

/** Owner, project admins and system admins change a project; `status: archived` makes it read-only. */
export async function updateProject(db: Database, feed: Feed, caller: Caller, id: string, patch: UpdateProjectInput) {
  const { standing, role } = await loadProject(db, caller, id)
  assertAllowed(standing, 'manage')
  const [row] = await db
    .update(projects)
    .set({ name: patch.name, description: patch.description, status: patch.status, settings: patch.settings })
    .where(eq(projects.id, id))
    .returning()
  if (!row) throw ApiError.notFound('Project')
  const out = ProjectSchema.decode(row)
  await feed.cache.invalidate(...(await projectKeys(db, id)))
  await publishChange(feed, id, 'project.updated', { project: out, changes: Object.keys(patch) })
  return ProjectListItemSchema.decode({ ...row, role })
}

/**
 * Deletes the project with its members and tasks (foreign keys cascade); its channel's subscribers
 * are told, then disconnected, before the request answers.
 */
export async function deleteProject(db: Database, feed: Feed, caller: Caller, id: string) {
  const { standing } = await loadProject(db, caller, id)
  assertAllowed(standing, 'manage')
  // Its tasks' entries are left to expire: a task read checks its project in Postgres first (404).
  const keys = await projectKeys(db, id)
  const [row] = await db.delete(projects).where(eq(projects.id, id)).returning({ id: projects.id })
  if (!row) throw ApiError.notFound('Project')
  await feed.cache.invalidate(...keys)
  await publishChange(feed, id, 'project.deleted', { projectId: id })
  await revokeChannel(feed, id)
}

/** The members of several projects in one query (GraphQL's batched `project.members`), oldest first. */
export async function membersOfProjects(db: Database, projectIds: readonly string[]) {
  if (!projectIds.length) return []
  const rows = await db
    .select({
      projectId: projectMembers.projectId,
      role: projectMembers.role,
      joinedAt: projectMembers.joinedAt,
      userId: projectMembers.userId,
      name: users.name,
      email: users.email,
    })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(inArray(projectMembers.projectId, [...projectIds]))
    .orderBy(asc(projectMembers.joinedAt), asc(projectMembers.userId))
  return rows.map((r) => ({ projectId: r.projectId, ...MemberSchema.decode(r) }))
}
