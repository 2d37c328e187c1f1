import type { Context } from 'hono'
import { cacheOf } from '../../lib/cache'
import { ok, page } from '../../lib/envelope'
import type { AuthEnv, Handler } from '../../lib/types'
import { feedOf } from './project-feed'
import type * as r from './projects.routes'
import * as projects from './projects.service'

const feed = (c: Context<AuthEnv>) => feedOf(c.get('config'))
const cache = (c: Context<AuthEnv>) => cacheOf(c.get('config'))

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await projects.listProjects(c.get('db'), cache(c), c.get('user'), c.req.valid('query'))
  return page(c, data, meta)
}

export const create: Handler<typeof r.create> = async (c) =>
  ok(c, await projects.createProject(c.get('db'), cache(c), c.get('user'), c.req.valid('json')), 201)

export const get: Handler<typeof r.get> = async (c) =>
  ok(c, await projects.getProject(c.get('db'), cache(c), c.get('user'), c.req.valid('param').id))

export const update: Handler<typeof r.update> = async (c) =>
  ok(c, await projects.updateProject(c.get('db'), feed(c), c.get('user'), c.req.valid('param').id, c.req.valid('json')))

export const remove: Handler<typeof r.remove> = async (c) => {
  await projects.deleteProject(c.get('db'), feed(c), c.get('user'), c.req.valid('param').id)
  return c.body(null, 204)
}
