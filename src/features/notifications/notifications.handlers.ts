import type { Context } from 'hono'
import { ok, page } from '../../lib/envelope'
import type { AuthEnv, Handler } from '../../lib/types'
import type * as routes from './notifications.routes'
import * as notifications from './notifications.service'

const me = (c: Context<AuthEnv>) => c.get('user').id

export const list: Handler<typeof routes.list> = async (c) => {
  const { data, meta } = await notifications.listNotifications(c.get('db'), me(c), c.req.valid('query'))
  return page(c, data, meta)
}

export const readAll: Handler<typeof routes.readAll> = async (c) =>
  ok(c, { updated: await notifications.markAllRead(c.get('db'), me(c)) })

export const read: Handler<typeof routes.read> = async (c) =>
  ok(c, await notifications.markRead(c.get('db'), me(c), c.req.valid('param').id))

export const remove: Handler<typeof routes.remove> = async (c) => {
  await notifications.deleteNotification(c.get('db'), me(c), c.req.valid('param').id)
  return c.body(null, 204)
}
