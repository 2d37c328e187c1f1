import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import type * as r from './devices.routes'
import * as devices from './devices.service'

export const create: Handler<typeof r.create> = async (c) => ok(c, await devices.createDevice(c.get('db'), c.get('user')!, c.req.valid('json')), 201)

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await devices.listDevices(c.get('db'), c.get('user')!, c.req.valid('query'))
  return page(c, data, meta)
}

export const get: Handler<typeof r.get> = async (c) => {
  const found = await devices.visibleDevice(c.get('db'), c.get('user')!, c.req.valid('param').id)
  return ok(c, devices.toDeviceOut(found.device, found))
}

export const update: Handler<typeof r.update> = async (c) => ok(c, await devices.updateDevice(c.get('db'), c.get('user')!, c.req.valid('param').id, c.req.valid('json')))

export const remove: Handler<typeof r.remove> = async (c) => {
  await devices.deleteDevice(c.get('db'), c.get('user')!, c.req.valid('param').id)
  return c.body(null, 204)
}

export const regenerateKey: Handler<typeof r.regenerateKey> = async (c) => ok(c, await devices.regenerateKey(c.get('db'), c.get('user')!, c.req.valid('param').id))
