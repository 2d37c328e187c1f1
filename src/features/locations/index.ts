import { createRouter } from '../../lib/create-router'
import * as h from './locations.handlers'
import * as r from './locations.routes'

export const locationsRouter = createRouter()
  .openapi(r.create, h.create)
  .openapi(r.list, h.list)
  .openapi(r.get, h.get)
  .openapi(r.update, h.update)
  .openapi(r.remove, h.remove)
