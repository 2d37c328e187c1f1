import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import { recheckChannelAccess } from '../realtime/connections.service'
import type * as r from './customers.routes'
import { CustomerSchema } from './customers.schemas'
import * as customers from './customers.service'

export const create: Handler<typeof r.create> = async (c) =>
  ok(c, await customers.createCustomer(c.get('db'), c.get('user'), c.req.valid('json')), 201)

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await customers.listCustomers(c.get('db'), c.get('user'), c.req.valid('query'))
  return page(c, data, meta)
}

export const get: Handler<typeof r.get> = async (c) =>
  ok(c, CustomerSchema.decode(await customers.visibleCustomer(c.get('db'), c.get('user'), c.req.valid('param').id)))

export const update: Handler<typeof r.update> = async (c) =>
  ok(c, await customers.updateCustomer(c.get('db'), c.get('user'), c.req.valid('param').id, c.req.valid('json')))

export const remove: Handler<typeof r.remove> = async (c) => {
  const { linkedUserIds } = await customers.deleteCustomer(c.get('db'), c.get('user'), c.req.valid('param').id)
  await Promise.all(linkedUserIds.map((id) => recheckChannelAccess(c.get('db'), c.get('config').bindings, id)))
  return c.body(null, 204)
}

export const linkTechnician: Handler<typeof r.linkTechnician> = async (c) => {
  const { link, created } = await customers.linkTechnician(
    c.get('db'),
    c.get('user'),
    c.req.valid('param').id,
    c.req.valid('json').userId,
  )
  return created ? ok(c, link, 201) : ok(c, link, 200)
}

export const unlinkTechnician: Handler<typeof r.unlinkTechnician> = async (c) => {
  const { id, userId } = c.req.valid('param')
  await customers.unlinkTechnician(c.get('db'), c.get('user'), id, userId)
  await recheckChannelAccess(c.get('db'), c.get('config').bindings, userId)
  return c.body(null, 204)
}

export const attachUser: Handler<typeof r.attachUser> = async (c) => {
  const { link, created } = await customers.attachUser(
    c.get('db'),
    c.get('user'),
    c.req.valid('param').id,
    c.req.valid('json').userId,
  )
  return created ? ok(c, link, 201) : ok(c, link, 200)
}

export const detachUser: Handler<typeof r.detachUser> = async (c) => {
  const { id, userId } = c.req.valid('param')
  await customers.detachUser(c.get('db'), c.get('user'), id, userId)
  await recheckChannelAccess(c.get('db'), c.get('config').bindings, userId)
  return c.body(null, 204)
}
