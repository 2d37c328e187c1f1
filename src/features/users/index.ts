import { createRouter } from '../../lib/create-router'
import * as h from './users.handlers'
import * as routes from './users.routes'

export const usersRouter = createRouter()
  .openapi(routes.list, h.list)
  .openapi(routes.create, h.create)
  .openapi(routes.get, h.get)
  .openapi(routes.update, h.update)
  .openapi(routes.remove, h.remove)
