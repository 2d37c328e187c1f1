import { createRouter } from '../../lib/create-router'
import { ok } from '../../lib/envelope'
import { scopeOf } from '../coldchain/scope.service'
import { authenticateIngest, ingest, normalize } from './ingest.service'
import * as r from './readings.routes'
import { coldCellHistory } from './readings.service'

export const readingsRouter = createRouter()
  .openapi(r.ingest, async (c) => {
    const device = await authenticateIngest(c.get('db'), c.req.valid('param').serialNumber, c.req.header('x-device-key'))
    const body = c.req.valid('json')
    const batch = normalize('readings' in body ? body.readings : [body])
    return ok(c, await ingest(c.get('config').bindings.DEVICE_MONITOR, device, batch), 202)
  })
  .openapi(r.history, async (c) => {
    const db = c.get('db')
    return ok(c, await coldCellHistory(db, await scopeOf(db, c.get('user')!), c.req.valid('param').id, c.req.valid('query').range))
  })
