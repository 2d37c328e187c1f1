import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import type * as r from './posts.routes'
import * as posts from './posts.service'

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await posts.listPosts(c.get('db'), c.get('user'), c.req.valid('query'))
  return page(c, data, meta)
}

export const create: Handler<typeof r.create> = async (c) =>
  ok(c, await posts.createPost(c.get('db'), c.get('user'), c.req.valid('json')), 201)

export const get: Handler<typeof r.get> = async (c) =>
  ok(c, await posts.getPost(c.get('db'), c.get('user'), c.req.valid('param').id))

export const update: Handler<typeof r.update> = async (c) =>
  ok(c, await posts.updatePost(c.get('db'), c.get('user'), c.req.valid('param').id, c.req.valid('json')))

export const remove: Handler<typeof r.remove> = async (c) => {
  await posts.deletePost(c.get('db'), c.get('user'), c.req.valid('param').id)
  return c.body(null, 204)
}

export const byUser: Handler<typeof r.byUser> = async (c) => {
  const { data, meta } = await posts.listUserPosts(
    c.get('db'),
    c.get('user'),
    c.req.valid('param').id,
    c.req.valid('query'),
  )
  return page(c, data, meta)
}
