import { ok } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import { count } from '../../lib/metrics/recorder'
import type { Handler } from '../../lib/types'
import { scopeOf } from '../coldchain/scope.service'
import { monitorOf, normalize } from './ingest.service'
import type * as r from './readings.routes'
import { coldCellHistory } from './readings.service'

// No Postgres here: the device's monitor checks the key against what it cached and stores the batch.
export const ingest: Handler<typeof r.ingest> = async (c) => {
  const { serialNumber } = c.req.valid('param')
  const body = c.req.valid('json')
  const batch = normalize('readings' in body ? body.readings : [body])
  const result = await monitorOf(c.get('config').bindings.DEVICE_MONITOR, serialNumber).ingest(
    serialNumber,
    c.req.header('x-device-key') ?? '',
    batch,
  )
  if (!result) throw ApiError.unauthorized('Missing or invalid x-device-key for this device', 'INVALID_TOKEN')
  count('outpost_readings_ingested_total', {}, result.stored)
  return ok(c, result, 202)
}

export const history: Handler<typeof r.history> = async (c) => {
  const db = c.get('db')
  return ok(
    c,
    await coldCellHistory(db, await scopeOf(db, c.get('user')), c.req.valid('param').id, c.req.valid('query').range),
  )
}
