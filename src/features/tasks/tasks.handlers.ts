import type { Context } from 'hono'
import { cacheOf } from '../../lib/cache'
import { ok, page } from '../../lib/envelope'
import type { AuthEnv, Handler } from '../../lib/types'
import { feedOf } from '../projects/project-feed'
import type * as r from './tasks.routes'
import { announceAssignment } from './assignment'
import type { TaskPatch } from './tasks.schemas'
import * as tasks from './tasks.service'

const feed = (c: Context<AuthEnv>) => feedOf(c.get('config'))
const cache = (c: Context<AuthEnv>) => cacheOf(c.get('config'))

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await tasks.listTasks(
    c.get('db'),
    c.get('user'),
    c.req.valid('param').id,
    c.req.valid('query'),
  )
  return page(c, data, meta)
}

export const create: Handler<typeof r.create> = async (c) => {
  const task = await tasks.createTask(c.get('db'), feed(c), c.get('user'), c.req.valid('param').id, c.req.valid('json'))
  announceAssignment(c, c.get('user').id, task, null)
  return ok(c, task, 201)
}

export const get: Handler<typeof r.get> = async (c) =>
  ok(c, await tasks.getTask(c.get('db'), cache(c), c.get('user'), c.req.valid('param').id))

/** PUT and PATCH: one service call, with the assignment announced once it is committed. */
async function update(c: Context<AuthEnv>, id: string, body: TaskPatch) {
  const { task, previousAssigneeId } = await tasks.updateTask(c.get('db'), feed(c), c.get('user'), id, body)
  announceAssignment(c, c.get('user').id, task, previousAssigneeId)
  return task
}

export const replace: Handler<typeof r.replace> = async (c) =>
  ok(c, await update(c, c.req.valid('param').id, c.req.valid('json')))

export const patch: Handler<typeof r.patch> = async (c) =>
  ok(c, await update(c, c.req.valid('param').id, c.req.valid('json')))

export const remove: Handler<typeof r.remove> = async (c) => {
  await tasks.deleteTask(c.get('db'), feed(c), c.get('user'), c.req.valid('param').id)
  return c.body(null, 204)
}
