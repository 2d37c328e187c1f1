import type { Context } from 'hono'
import { ok, page } from '../../lib/envelope'
import type { AuthEnv, Handler } from '../../lib/types'
import { feedOf } from './project-feed'
import type * as mr from './members.routes'
import * as members from './members.service'

const feed = (c: Context<AuthEnv>) => feedOf(c.get('config'))

export const listMembers: Handler<typeof mr.listMembers> = async (c) => {
  const { data, meta } = await members.listMembers(
    c.get('db'),
    c.get('user'),
    c.req.valid('param').id,
    c.req.valid('query'),
  )
  return page(c, data, meta)
}

export const addMember: Handler<typeof mr.addMember> = async (c) =>
  ok(c, await members.addMember(c.get('db'), feed(c), c.get('user'), c.req.valid('param').id, c.req.valid('json')), 201)

export const updateMember: Handler<typeof mr.updateMember> = async (c) => {
  const { id, userId } = c.req.valid('param')
  return ok(c, await members.updateMember(c.get('db'), feed(c), c.get('user'), id, userId, c.req.valid('json').role))
}

export const removeMember: Handler<typeof mr.removeMember> = async (c) => {
  const { id, userId } = c.req.valid('param')
  await members.removeMember(c.get('db'), feed(c), c.get('user'), id, userId)
  return c.body(null, 204)
}

export const transfer: Handler<typeof mr.transfer> = async (c) =>
  ok(
    c,
    await members.transferProject(
      c.get('db'),
      feed(c),
      c.get('user'),
      c.req.valid('param').id,
      c.req.valid('json').userId,
    ),
  )
