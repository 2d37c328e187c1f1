import { ok } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import type { Handler } from '../../lib/types'
import type * as routes from './health.routes'
import { checkPostgres, healthReport } from './health.service'

export const health: Handler<typeof routes.health> = async (c) => {
  const report = await healthReport(c.get('config'), c.get('db'))
  if (report.status === 'down') throw ApiError.unavailable('Postgres is unreachable', { checks: report.checks })
  return ok(c, report)
}

export const readiness: Handler<typeof routes.readiness> = async (c) => {
  const postgres = await checkPostgres(c.get('db'))
  if (postgres.status === 'down')
    throw ApiError.unavailable('Not ready: Postgres is unreachable', { checks: { postgres } })
  return ok(c, { status: 'ok' as const, checks: { postgres } })
}

export const liveness: Handler<typeof routes.liveness> = (c) => ok(c, { status: 'ok' as const })
