import { createRouter } from '../../lib/create-router'
import { ok, page } from '../../lib/envelope'
import { emitAfterResponse } from '../../lib/events'
import { publish } from '../realtime/hub.service'
import { scopeOf } from '../coldchain/scope.service'
import './alerts.events'
import * as r from './alerts.routes'
import { listAlerts, resolveAlert } from './alerts.service'

export const alertsRouter = createRouter()
  .openapi(r.list, async (c) => {
    const { data, meta } = await listAlerts(
      c.get('db'),
      await scopeOf(c.get('db'), c.get('user')),
      c.req.valid('query'),
    )
    return page(c, data, meta)
  })
  .openapi(r.resolve, async (c) => {
    const user = c.get('user')
    const scope = await scopeOf(c.get('db'), user)
    const body = c.req.valid('json') as { note?: string } | undefined
    const resolved = await resolveAlert(c.get('db'), scope, c.req.valid('param').id, user, body?.note)
    const hubs = c.get('config').bindings.CHANNEL_HUB
    await Promise.allSettled(
      [`coldcell:${resolved.alert.coldCellId}`, `customer:${resolved.alert.customerId}`].map((ch) =>
        publish(hubs, ch, 'alert.resolved', resolved.alert),
      ),
    )
    emitAfterResponse(c, 'alert.resolved', resolved)
    return ok(c, resolved.alert)
  })
