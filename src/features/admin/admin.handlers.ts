import { emitAfterResponse } from '../../events'
import { cacheOf } from '../../lib/cache'
import { ok, page } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import type { Handler } from '../../lib/types'
import { setOnlyRole } from '../rbac/rbac.service'
import { recheckChannelAccess } from '../realtime/connections.service'
import * as accounts from '../users/users.service'
import type * as r from './admin.routes'
import * as admin from './admin.service'

export const stats: Handler<typeof r.stats> = async (c) => ok(c, await admin.stats(c.get('db')))

export const analytics: Handler<typeof r.analytics> = async (c) =>
  ok(c, await admin.analytics(c.get('db'), c.req.valid('query').days))

export const users: Handler<typeof r.users> = async (c) => {
  const { data, meta } = await accounts.listUsers(c.get('db'), c.req.valid('query'))
  return page(c, data, meta)
}

export const setRole: Handler<typeof r.setRole> = async (c) => {
  const { id } = c.req.valid('param')
  await setOnlyRole(c.get('pool'), id, c.req.valid('json').role)
  await recheckChannelAccess(c.get('db'), c.get('config').bindings, id)
  return ok(c, await accounts.getUser(c.get('db'), id))
}

export const deleteUser: Handler<typeof r.deleteUser> = async (c) => {
  const { id } = c.req.valid('param')
  if (id === c.get('user').id) throw ApiError.conflict('You cannot delete your own account')
  const deleted = await accounts.deleteUser(c.get('pool'), cacheOf(c.get('config')), id)
  emitAfterResponse(c, 'user.deleted', { userId: deleted.id, email: deleted.email })
  return c.body(null, 204)
}
