import { and, eq, sql, type Column, type SQL } from 'drizzle-orm'
import { coldCells, devices, locations, posts, projectMembers, projects, tasks, users } from '../../db/schema'
import type { SearchConfig } from '../../db/schema/search'
import { grantFor } from '../../lib/permissions'
import type { Principal } from '../../lib/types'
import { scopeCondition } from '../coldchain/scope.service'
import { visibleTo as visiblePosts } from '../posts/posts.service'
import { isSystemAdmin } from '../projects/project-rules'
import type { SearchQuery, SearchType } from './search.schemas'

/** A source's SELECT list: the same named columns for every type, so the sources can be UNIONed. */
function hit(
  type: SearchType,
  config: SearchConfig,
  c: { id: SQL | Column; title: SQL | Column; subtitle: SQL | Column; t: Searchable },
  m: Match,
) {
  return sql`select ${type}::text as type, ${c.id} as id, ${c.title} as title, ${c.subtitle} as subtitle,
    ${c.t.searchText} as doc, ${config}::text as cfg, ${score(c.t, config, m)} as score, ${c.t.createdAt} as created_at`
}

type Searchable = { searchVector: Column; searchText: Column; createdAt: Column }

/** How a source matches: `tsquery` (built with the source's configuration) against its GIN-indexed vector. */
export type Match = {
  text: string
  tsquery: (config: SQL) => SQL
  /** Suggestions: whole words first, without `ts_rank` (computing it on every match is what a search costs). */
  unranked?: boolean
}

export type Source = {
  config: SearchConfig
  /** Whether the caller may read this type at all (row-level rules go in `select`). */
  readable: (caller: Principal) => boolean
  /** The hits the caller may read, with the type's filters applied, before any LIMIT. */
  select: (caller: Principal, match: Match, filters: Partial<SearchQuery>) => SQL
}

function matches(t: Searchable, config: SearchConfig, m: Match) {
  return sql`${t.searchVector} @@ ${m.tsquery(sql`${config}::regconfig`)}`
}

/** Rows holding the words whole rank above rows where they only start words (the prefix query matches both). */
function score(t: Searchable, config: SearchConfig, m: Match) {
  const c = sql`${config}::regconfig`
  const whole = sql`(${t.searchVector} @@ websearch_to_tsquery(${c}, ${m.text}))::int`
  return m.unranked ? sql`${whole}::float8` : sql`(ts_rank(${t.searchVector}, ${m.tsquery(c)}) + ${whole})::float8`
}

const where = (...conditions: (SQL | undefined)[]) => and(...conditions) ?? sql`true`

/** Seed 001's rule: members (the owner is one) see a project and its tasks; system admins see all. */
const memberOf = (caller: Principal, projectId: Column) =>
  isSystemAdmin(caller)
    ? undefined
    : sql`exists (select 1 from ${projectMembers} where ${projectMembers.projectId} = ${projectId} and ${projectMembers.userId} = ${caller.id})`

export const SOURCES: Record<SearchType, Source> = {
  // People's names and emails: admins and moderators (users:read on everyone), as GET /users.
  users: {
    config: 'simple',
    readable: (caller) => grantFor(caller.permissions, 'users', 'read') === 'all',
    select: (_caller, m, f) => sql`
      ${hit('users', 'simple', { id: users.id, title: users.name, subtitle: users.email, t: users }, m)}
      from ${users}
      where ${where(
        matches(users, 'simple', m),
        f.verified === undefined
          ? undefined
          : f.verified
            ? sql`${users.emailVerifiedAt} is not null`
            : sql`${users.emailVerifiedAt} is null`,
      )}`,
  },
  // Projects by name and description, to their members.
  projects: {
    config: 'english',
    readable: () => true,
    select: (caller, m, f) => sql`
      ${hit('projects', 'english', { id: projects.id, title: projects.name, subtitle: projects.status, t: projects }, m)}
      from ${projects}
      where ${where(
        matches(projects, 'english', m),
        memberOf(caller, projects.id),
        f.projectStatus ? eq(projects.status, f.projectStatus) : undefined,
      )}`,
  },
  // Tasks by title and description, to the members of their project; the subtitle is the project's name.
  tasks: {
    config: 'english',
    readable: () => true,
    select: (caller, m, f) => sql`
      ${hit('tasks', 'english', { id: tasks.id, title: tasks.title, subtitle: projects.name, t: tasks }, m)}
      from ${tasks}
      join ${projects} on ${eq(projects.id, tasks.projectId)}
      where ${where(
        matches(tasks, 'english', m),
        memberOf(caller, tasks.projectId),
        f.projectId ? eq(tasks.projectId, f.projectId) : undefined,
        f.taskStatus ? eq(tasks.status, f.taskStatus) : undefined,
        f.priority ? eq(tasks.priority, f.priority) : undefined,
        f.assigneeId ? eq(tasks.assigneeId, f.assigneeId) : undefined,
      )}`,
  },
  // Posts by title and content: published ones, your drafts, every draft for moderators.
  posts: {
    config: 'english',
    readable: (caller) => grantFor(caller.permissions, 'posts', 'read') !== 'none',
    select: (caller, m, f) => sql`
      ${hit('posts', 'english', { id: posts.id, title: posts.title, subtitle: users.name, t: posts }, m)}
      from ${posts}
      join ${users} on ${eq(users.id, posts.authorId)}
      where ${where(
        matches(posts, 'english', m),
        visiblePosts(caller),
        f.published === undefined ? undefined : eq(posts.published, f.published),
        f.authorId ? eq(posts.authorId, f.authorId) : undefined,
      )}`,
  },
  // Devices by serial number and firmware, in the caller's cold-chain scope (checked here, in SQL).
  devices: {
    config: 'simple',
    readable: (caller) => ['admin', 'technician', 'customer'].some((r) => caller.roles.includes(r)),
    select: (caller, m, f) => sql`
      ${hit('devices', 'simple', { id: devices.id, title: devices.serialNumber, subtitle: coldCells.name, t: devices }, m)}
      from ${devices}
      join ${coldCells} on ${eq(coldCells.id, devices.coldCellId)}
      join ${locations} on ${eq(locations.id, coldCells.locationId)}
      where ${where(
        matches(devices, 'simple', m),
        scopeCondition(caller, locations.customerId),
        f.status ? eq(devices.status, f.status) : undefined,
        f.customerId ? eq(locations.customerId, f.customerId) : undefined,
        f.coldCellId ? eq(devices.coldCellId, f.coldCellId) : undefined,
      )}`,
  },
}
