import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { emitAfterResponse } from '../../events'
import { cacheOf } from '../../lib/cache'
import { zodDetails } from '../../lib/create-router'
import { ApiError } from '../../lib/errors'
import { PageQuery } from '../../lib/pagination'
import { can, grantFor } from '../../lib/permissions'
import type { AppEnv, Principal } from '../../lib/types'
import * as posts from '../posts/posts.service'
import { CreatePostBody, UpdatePostBody, type PostOut } from '../posts/posts.schemas'
import * as members from '../projects/members.service'
import { feedOf } from '../projects/project-feed'
import { AddMemberBody, CreateProjectBody, UpdateProjectBody } from '../projects/projects.schemas'
import * as projects from '../projects/projects.service'
import { announceAssignment } from '../tasks/assignment'
import { CreateTaskBody, PatchTaskBody, TaskListQuery, type TaskOut } from '../tasks/tasks.schemas'
import * as tasks from '../tasks/tasks.service'
import { CreateUserBody, UpdateUserBody, type PublicUser } from '../users/users.schemas'
import * as users from '../users/users.service'
import type { Loaders } from './loaders'

/** What every resolver gets: the request, and its caller with the request's loaders when signed in. */
export type GqlContext = { c: Context<AppEnv>; caller?: Principal; loaders?: Loaders }
type Signed = { c: Context<AppEnv>; caller: Principal; loaders: Loaders }
type Args = Record<string, unknown>

function signedIn(ctx: GqlContext): Signed {
  if (!ctx.caller || !ctx.loaders) throw ApiError.unauthorized()
  return ctx as Signed
}

/** Arguments through the REST body's own schema: same limits, same refusals, same messages. */
function parse<S extends z.ZodType>(schema: S, value: unknown, where = 'input'): z.infer<S> {
  const r = schema.safeParse(value)
  if (!r.success) throw ApiError.validation(zodDetails(r.error, where))
  return r.data
}

/** An `ID!` argument: a uuid, or a 422 naming it, as a REST path parameter. */
const uuidOf = (a: Args, name = 'id') => parse(z.uuid(), a[name], `args.${name}`) as string

const page = (a: Args) => parse(PageQuery, { page: a.page ?? 1, limit: a.limit ?? 20 }, 'args')
const db = (s: Signed) => s.c.get('db')
const feed = (s: Signed) => feedOf(s.c.get('config'))
const cache = (s: Signed) => cacheOf(s.c.get('config'))

/** A resolver that needs a caller. */
const authed =
  <P, R>(fn: (parent: P, args: Args, s: Signed) => Promise<R> | R) =>
  (parent: P, args: Args, ctx: GqlContext) =>
    fn(parent, args, signedIn(ctx))

type ProjectParent = { id: string; ownerId: string; members?: unknown[] }

export const resolvers = {
  Query: {
    users: authed(async (_p, a, s) => {
      if (grantFor(s.caller.permissions, 'users', 'read') !== 'all') throw ApiError.forbidden()
      return (await users.listUsers(db(s), { ...page(a), sort: '-createdAt' })).data
    }),
    user: authed(async (_p, a, s) => {
      const id = uuidOf(a)
      if (!can(s.caller.permissions, s.caller.id, 'users', 'read', id)) throw ApiError.notFound('User')
      return users.getUser(db(s), id)
    }),
    posts: authed(
      async (_p, a, s) =>
        (
          await posts.listPosts(db(s), s.caller, {
            ...page(a),
            sort: '-createdAt',
            authorId: a.userId ? String(a.userId) : undefined,
            published: a.published === undefined || a.published === null ? undefined : a.published ? 'true' : 'false',
          })
        ).data,
    ),
    post: authed((_p, a, s) => posts.getPost(db(s), s.caller, uuidOf(a))),
    projects: authed(
      async (_p, a, s) =>
        (
          await projects.listProjects(db(s), cache(s), s.caller, {
            ...page(a),
            scope: 'mine',
            sort: '-createdAt',
            name: (a.name as string | undefined) ?? undefined,
            status: (a.status as 'active' | 'archived' | undefined) ?? undefined,
          })
        ).data,
    ),
    project: authed((_p, a, s) => projects.getProject(db(s), cache(s), s.caller, uuidOf(a))),
    tasks: authed(async (_p, a, s) => {
      const { projectId, ...filters } = a
      const q = parse(TaskListQuery, Object.fromEntries(Object.entries(filters).filter(([, v]) => v != null)), 'args')
      return (await tasks.listTasks(db(s), s.caller, uuidOf(a, 'projectId'), q)).data
    }),
    task: authed((_p, a, s) => tasks.getTask(db(s), cache(s), s.caller, uuidOf(a))),
  },

  Mutation: {
    createUser: authed(async (_p, a, s) => {
      if (grantFor(s.caller.permissions, 'users', 'create') !== 'all') throw ApiError.forbidden()
      const body = parse(CreateUserBody, a.input)
      const id = await users.insertUser(db(s), body)
      emitAfterResponse(s.c, 'user.created', { userId: id, email: body.email, name: body.name })
      return users.getUser(db(s), id)
    }),
    updateUser: authed(async (_p, a, s) => {
      const id = uuidOf(a)
      const { permissions, id: me } = s.caller
      if (!can(permissions, me, 'users', 'update', id)) {
        if (can(permissions, me, 'users', 'read', id)) throw ApiError.forbidden()
        throw ApiError.notFound('User')
      }
      const body = parse(UpdateUserBody, a.input)
      if (body.email !== undefined && grantFor(permissions, 'users', 'update') !== 'all')
        throw ApiError.forbidden('Only an administrator can change an email address')
      return users.updateUser(db(s), cache(s), id, body)
    }),
    createPost: authed((_p, a, s) => posts.createPost(db(s), s.caller, parse(CreatePostBody, a.input))),
    updatePost: authed((_p, a, s) => posts.updatePost(db(s), s.caller, uuidOf(a), parse(UpdatePostBody, a.input))),
    deletePost: authed(async (_p, a, s) => {
      await posts.deletePost(db(s), s.caller, uuidOf(a))
      return true
    }),
    createProject: authed((_p, a, s) =>
      projects.createProject(db(s), cache(s), s.caller, parse(CreateProjectBody, a.input)),
    ),
    updateProject: authed((_p, a, s) =>
      projects.updateProject(db(s), feed(s), s.caller, uuidOf(a), parse(UpdateProjectBody, a.input)),
    ),
    addMember: authed((_p, a, s) =>
      members.addMember(
        db(s),
        feed(s),
        s.caller,
        uuidOf(a, 'projectId'),
        parse(AddMemberBody, { userId: a.userId, role: a.role }, 'args'),
      ),
    ),
    createTask: authed(async (_p, a, s) => {
      const task = await tasks.createTask(
        db(s),
        feed(s),
        s.caller,
        uuidOf(a, 'projectId'),
        parse(CreateTaskBody, a.input),
      )
      announceAssignment(s.c, s.caller.id, task, null)
      return task
    }),
    updateTask: authed(async (_p, a, s) => {
      const { task, previousAssigneeId } = await tasks.updateTask(
        db(s),
        feed(s),
        s.caller,
        uuidOf(a),
        parse(PatchTaskBody, a.input),
      )
      announceAssignment(s.c, s.caller.id, task, previousAssigneeId)
      return task
    }),
    deleteTask: authed(async (_p, a, s) => {
      await tasks.deleteTask(db(s), feed(s), s.caller, uuidOf(a))
      return true
    }),
  },

  User: { posts: authed((u: PublicUser, _a, s) => s.loaders.postsOf.load(u.id)) },
  Post: { author: authed((p: PostOut, _a, s) => s.loaders.user.load(p.authorId)) },
  Project: {
    owner: authed((p: ProjectParent, _a, s) => s.loaders.user.load(p.ownerId)),
    members: authed((p: ProjectParent, _a, s) => p.members ?? s.loaders.membersOf.load(p.id)),
    tasks: authed(async (p: ProjectParent, a, s) =>
      (await s.loaders.tasksOf.load(p.id)).filter((t) => !a.status || t.status === a.status),
    ),
  },
  Member: { user: authed((m: { userId: string }, _a, s) => s.loaders.user.load(m.userId)) },
  Task: {
    assignee: authed((t: TaskOut, _a, s) => (t.assigneeId ? s.loaders.user.load(t.assigneeId) : null)),
  },
}
