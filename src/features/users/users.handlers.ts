import { cacheOf } from '../../lib/cache'
import { ok, page } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import { emitAfterResponse } from '../../events'
import { grantFor } from '../../lib/permissions'
import type { Handler } from '../../lib/types'
import { authorize } from '../../lib/auth'
import type * as routes from './users.routes'
import * as users from './users.service'

export const list: Handler<typeof routes.list> = async (c) => {
  const { data, meta } = await users.listUsers(c.get('db'), c.req.valid('query'))
  return page(c, data, meta)
}

export const create: Handler<typeof routes.create> = async (c) => {
  const body = c.req.valid('json')
  const id = await users.insertUser(c.get('db'), body)
  emitAfterResponse(c, 'user.created', { userId: id, email: body.email, name: body.name })
  return ok(c, await users.getUser(c.get('db'), id), 201)
}

export const get: Handler<typeof routes.get> = async (c) => {
  const { id } = c.req.valid('param')
  authorize(c, 'users', 'read', id, 'User')
  return ok(c, await users.getUser(c.get('db'), id))
}

export const update: Handler<typeof routes.update> = async (c) => {
  const { id } = c.req.valid('param')
  const caller = authorize(c, 'users', 'update', id, 'User')
  const body = c.req.valid('json')
  // Changing an email skips its verification, so only a full users:update may do it.
  if (body.email !== undefined && grantFor(caller.permissions, 'users', 'update') !== 'all') {
    throw ApiError.forbidden('Only an administrator can change an email address')
  }
  return ok(c, await users.updateUser(c.get('db'), cacheOf(c.get('config')), id, body))
}

export const remove: Handler<typeof routes.remove> = async (c) => {
  const { id } = c.req.valid('param')
  if (id === c.get('user').id) throw ApiError.conflict('You cannot delete your own account here')
  const deleted = await users.deleteUser(c.get('pool'), cacheOf(c.get('config')), id)
  emitAfterResponse(c, 'user.deleted', { userId: deleted.id, email: deleted.email })
  return c.body(null, 204)
}
