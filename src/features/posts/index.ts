import { createRouter } from '../../lib/create-router'
import * as h from './posts.handlers'
import * as r from './posts.routes'

export const postsRouter = createRouter()
  .openapi(r.list, h.list)
  .openapi(r.create, h.create)
  .openapi(r.get, h.get)
  .openapi(r.update, h.update)
  .openapi(r.remove, h.remove)
  .openapi(r.byUser, h.byUser)
