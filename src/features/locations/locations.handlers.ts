import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import type * as r from './locations.routes'
import { LocationSchema } from './locations.schemas'
import * as locations from './locations.service'

export const create: Handler<typeof r.create> = async (c) =>
  ok(c, await locations.createLocation(c.get('db'), c.get('user'), c.req.valid('json')), 201)

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await locations.listLocations(c.get('db'), c.get('user'), c.req.valid('query'))
  return page(c, data, meta)
}

export const get: Handler<typeof r.get> = async (c) =>
  ok(c, LocationSchema.decode(await locations.visibleLocation(c.get('db'), c.get('user'), c.req.valid('param').id)))

export const update: Handler<typeof r.update> = async (c) =>
  ok(c, await locations.updateLocation(c.get('db'), c.get('user'), c.req.valid('param').id, c.req.valid('json')))

export const remove: Handler<typeof r.remove> = async (c) => {
  await locations.deleteLocation(c.get('db'), c.get('user'), c.req.valid('param').id)
  return c.body(null, 204)
}
