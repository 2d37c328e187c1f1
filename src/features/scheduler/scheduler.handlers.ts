import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import { allExecutions, allJobs } from './admin-cron.service'
import type * as r from './scheduler.routes'
import * as svc from './scheduler.service'

export const names: Handler<typeof r.names> = (c) => ok(c, svc.listSystemJobNames())

export const list: Handler<typeof r.list> = async (c) => ok(c, await svc.listSystemJobs(c.get('db')))

export const start: Handler<typeof r.start> = async (c) =>
  ok(c, { started: await svc.setEnabled(c.get('db'), true, c.req.valid('query').name) })

export const stop: Handler<typeof r.stop> = async (c) =>
  ok(c, { stopped: await svc.setEnabled(c.get('db'), false, c.req.valid('query').name) })

export const trigger: Handler<typeof r.trigger> = async (c) =>
  ok(c, await svc.triggerSystemJob(c.get('db'), c.get('config'), c.req.valid('param').name))

export const health: Handler<typeof r.health> = async (c) => ok(c, await svc.healthMetrics(c.get('db')))

export const reports: Handler<typeof r.reports> = async (c) =>
  ok(c, await svc.listDailyReports(c.get('db'), c.req.valid('query').limit))

export const adminJobs: Handler<typeof r.adminJobs> = async (c) => {
  const { data, meta } = await allJobs(c.get('db'), c.req.valid('query'))
  return page(c, data, meta)
}

export const adminLogs: Handler<typeof r.adminLogs> = async (c) => {
  const { data, meta } = await allExecutions(c.get('db'), c.req.valid('query'))
  return page(c, data, meta)
}
