import { createRouter } from '../../lib/create-router'
import * as h from './admin.handlers'
import * as r from './admin.routes'

export const adminRouter = createRouter()
  .openapi(r.stats, h.stats)
  .openapi(r.analytics, h.analytics)
  .openapi(r.users, h.users)
  .openapi(r.setRole, h.setRole)
  .openapi(r.deleteUser, h.deleteUser)
