import type { Context } from 'hono'
import { createRouter } from '../../lib/create-router'
import { ok } from '../../lib/envelope'
import type { AuthEnv } from '../../lib/types'
import * as r from './stats.routes'
import { jobAnalytics, jobStats, type AnalyticsDays } from './stats.service'

const me = (c: Context<AuthEnv>) => c.get('user').id

/** GET /stats and GET /stats/analytics: the caller's cron-service statistics, computed in SQL. */
export const statsRouter = createRouter()
  .openapi(r.stats, async (c) => ok(c, await jobStats(c.get('db'), me(c))))
  .openapi(r.analytics, async (c) =>
    ok(c, await jobAnalytics(c.get('db'), me(c), Number(c.req.valid('query').days) as AnalyticsDays)),
  )
