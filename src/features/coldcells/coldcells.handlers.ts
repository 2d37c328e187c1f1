import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import type * as r from './coldcells.routes'
import { ColdCellSchema } from './coldcells.schemas'
import * as cells from './coldcells.service'

export const create: Handler<typeof r.create> = async (c) =>
  ok(c, await cells.createColdCell(c.get('db'), c.get('user'), c.req.valid('json')), 201)

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await cells.listColdCells(c.get('db'), c.get('user'), c.req.valid('query'))
  return page(c, data, meta)
}

export const get: Handler<typeof r.get> = async (c) => {
  const { cell, customerId } = await cells.visibleColdCell(c.get('db'), c.get('user'), c.req.valid('param').id)
  return ok(c, ColdCellSchema.decode({ ...cell, customerId }))
}

export const update: Handler<typeof r.update> = async (c) =>
  ok(c, await cells.updateColdCell(c.get('db'), c.get('user'), c.req.valid('param').id, c.req.valid('json')))

export const remove: Handler<typeof r.remove> = async (c) => {
  await cells.deleteColdCell(c.get('db'), c.get('user'), c.req.valid('param').id)
  return c.body(null, 204)
}
