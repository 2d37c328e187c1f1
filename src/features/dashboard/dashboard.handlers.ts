import { ok } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import { scopeOf } from '../coldchain/scope.service'
import type * as r from './dashboard.routes'
import { technicianDashboard } from './dashboard.service'

export const technician: Handler<typeof r.technician> = async (c) =>
  ok(c, await technicianDashboard(c.get('db'), await scopeOf(c.get('db'), c.get('user'))))
