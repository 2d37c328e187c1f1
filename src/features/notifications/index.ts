import { createRouter } from '../../lib/create-router'
import * as h from './notifications.handlers'
import * as routes from './notifications.routes'

export { notify } from './notifications.service'

export const notificationsRouter = createRouter()
  .openapi(routes.list, h.list)
  .openapi(routes.readAll, h.readAll)
  .openapi(routes.read, h.read)
  .openapi(routes.remove, h.remove)
