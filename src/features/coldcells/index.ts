import { createRouter } from '../../lib/create-router'
import * as h from './coldcells.handlers'
import * as r from './coldcells.routes'

export const coldCellsRouter = createRouter()
  .openapi(r.create, h.create)
  .openapi(r.list, h.list)
  .openapi(r.get, h.get)
  .openapi(r.update, h.update)
  .openapi(r.remove, h.remove)
