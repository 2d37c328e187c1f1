import { ok } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import type * as r from './stats.routes'
import { jobAnalytics, jobStats, type AnalyticsDays } from './stats.service'

export const stats: Handler<typeof r.stats> = async (c) => ok(c, await jobStats(c.get('db'), c.get('user').id))

export const analytics: Handler<typeof r.analytics> = async (c) =>
  ok(c, await jobAnalytics(c.get('db'), c.get('user').id, Number(c.req.valid('query').days) as AnalyticsDays))
