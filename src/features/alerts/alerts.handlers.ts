import { emitAfterResponse } from '../../events'
import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import { scopeOf } from '../coldchain/scope.service'
import { publish } from '../realtime/hub.service'
import type * as r from './alerts.routes'
import { listAlerts, resolveAlert } from './alerts.service'
import { alertChannels } from './transitions.service'
import { count } from '../../lib/metrics/recorder'

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await listAlerts(c.get('db'), await scopeOf(c.get('db'), c.get('user')), c.req.valid('query'))
  return page(c, data, meta)
}

export const resolve: Handler<typeof r.resolve> = async (c) => {
  const user = c.get('user')
  const scope = await scopeOf(c.get('db'), user)
  const body = c.req.valid('json') as { note?: string } | undefined
  const resolved = await resolveAlert(c.get('db'), scope, c.req.valid('param').id, user, body?.note)
  const hubs = c.get('config').bindings.CHANNEL_HUB
  await Promise.allSettled(
    alertChannels(resolved.alert).map((ch) => publish(hubs, ch, 'alert.resolved', resolved.alert)),
  )
  count('outpost_alerts_resolved_total', { type: resolved.alert.type })
  emitAfterResponse(c, 'alert.resolved', resolved)
  return ok(c, resolved.alert)
}
