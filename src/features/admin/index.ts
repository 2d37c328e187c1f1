import { createRouter } from '../../lib/create-router'
import { ok, page } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import { emitAfterResponse } from '../../events'
import { setOnlyRole } from '../rbac/rbac.service'
import { deleteUser, getUser, listUsers } from '../users/users.service'
import * as r from './admin.routes'
import { analytics, stats } from './admin.service'

export const adminRouter = createRouter()
  .openapi(r.stats, async (c) => ok(c, await stats(c.get('db'))))
  .openapi(r.analytics, async (c) => ok(c, await analytics(c.get('db'), c.req.valid('query').days)))
  .openapi(r.users, async (c) => {
    const { data, meta } = await listUsers(c.get('db'), c.req.valid('query'))
    return page(c, data, meta)
  })
  .openapi(r.setRole, async (c) => {
    const { id } = c.req.valid('param')
    await setOnlyRole(c.get('db'), id, c.req.valid('json').role)
    return ok(c, await getUser(c.get('db'), id))
  })
  .openapi(r.deleteUser, async (c) => {
    const { id } = c.req.valid('param')
    if (id === c.get('user').id) throw ApiError.conflict('You cannot delete your own account')
    const deleted = await deleteUser(c.get('db'), id)
    emitAfterResponse(c, 'user.deleted', { userId: deleted.id, email: deleted.email })
    return c.body(null, 204)
  })
