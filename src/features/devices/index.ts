import { createRouter } from '../../lib/create-router'
import * as h from './devices.handlers'
import * as r from './devices.routes'

export const devicesRouter = createRouter()
  .openapi(r.create, h.create)
  .openapi(r.list, h.list)
  .openapi(r.get, h.get)
  .openapi(r.update, h.update)
  .openapi(r.remove, h.remove)
  .openapi(r.regenerateKey, h.regenerateKey)
