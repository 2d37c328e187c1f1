import { createRouter } from '../../lib/create-router'
import * as h from './customers.handlers'
import * as r from './customers.routes'

export const customersRouter = createRouter()
  .openapi(r.create, h.create)
  .openapi(r.list, h.list)
  .openapi(r.get, h.get)
  .openapi(r.update, h.update)
  .openapi(r.remove, h.remove)
  .openapi(r.linkTechnician, h.linkTechnician)
  .openapi(r.unlinkTechnician, h.unlinkTechnician)
  .openapi(r.attachUser, h.attachUser)
  .openapi(r.detachUser, h.detachUser)
