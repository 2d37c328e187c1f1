import { createRouter } from '../../lib/create-router'
import * as h from './tasks.handlers'
import * as r from './tasks.routes'

export const tasksRouter = createRouter()
  .openapi(r.list, h.list)
  .openapi(r.create, h.create)
  .openapi(r.get, h.get)
  .openapi(r.replace, h.replace)
  .openapi(r.patch, h.patch)
  .openapi(r.remove, h.remove)
