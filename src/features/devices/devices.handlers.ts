import type { Context } from 'hono'
import { ok, page } from '../../lib/envelope'
import type { AuthEnv, Handler } from '../../lib/types'
import { forgetDevice } from '../readings/ingest.service'
import type * as r from './devices.routes'
import { DeviceSchema } from './devices.schemas'
import * as devices from './devices.service'

export const create: Handler<typeof r.create> = async (c) =>
  ok(c, await devices.createDevice(c.get('db'), c.get('user'), c.req.valid('json')), 201)

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await devices.listDevices(c.get('db'), c.get('user'), c.req.valid('query'))
  return page(c, data, meta)
}

export const get: Handler<typeof r.get> = async (c) => {
  const found = await devices.visibleDevice(c.get('db'), c.get('user'), c.req.valid('param').id)
  return ok(c, DeviceSchema.decode({ ...found.device, locationId: found.locationId, customerId: found.customerId }))
}

// A device's monitor caches its key and cold cell; each change below tells it to read them again.
const forget = (c: Context<AuthEnv>, serialNumber: string) =>
  forgetDevice(c.get('config').bindings.DEVICE_MONITOR, serialNumber)

export const update: Handler<typeof r.update> = async (c) => {
  const updated = await devices.updateDevice(c.get('db'), c.get('user'), c.req.valid('param').id, c.req.valid('json'))
  await forget(c, updated.serialNumber)
  return ok(c, updated)
}

export const remove: Handler<typeof r.remove> = async (c) => {
  const { serialNumber } = await devices.deleteDevice(c.get('db'), c.get('user'), c.req.valid('param').id)
  await forget(c, serialNumber)
  return c.body(null, 204)
}

export const regenerateKey: Handler<typeof r.regenerateKey> = async (c) => {
  const renewed = await devices.regenerateKey(c.get('db'), c.get('user'), c.req.valid('param').id)
  await forget(c, renewed.serialNumber)
  return ok(c, renewed)
}
