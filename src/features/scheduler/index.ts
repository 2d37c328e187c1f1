import { createRouter } from '../../lib/create-router'
import * as h from './scheduler.handlers'
import * as r from './scheduler.routes'

export const schedulerRouter = createRouter()
  .openapi(r.names, h.names)
  .openapi(r.list, h.list)
  .openapi(r.start, h.start)
  .openapi(r.stop, h.stop)
  .openapi(r.trigger, h.trigger)
  .openapi(r.health, h.health)
  .openapi(r.reports, h.reports)
  .openapi(r.adminJobs, h.adminJobs)
  .openapi(r.adminLogs, h.adminLogs)
