import { createRouter } from '../../lib/create-router'
import * as h from './jobs.handlers'
import * as r from './jobs.routes'
import * as sh from './stats.handlers'
import * as sr from './stats.routes'

// Static paths (/jobs/signing-secret, /users/plan) are registered before their /{id} siblings.
export const jobsRouter = createRouter()
  .openapi(r.signingSecret, h.signingSecret)
  .openapi(r.rotateSecret, h.rotateSecret)
  .openapi(r.create, h.create)
  .openapi(r.list, h.list)
  .openapi(r.get, h.get)
  .openapi(r.update, h.update)
  .openapi(r.remove, h.remove)
  .openapi(r.pause, h.pause)
  .openapi(r.resume, h.resume)
  .openapi(r.run, h.run)
  .openapi(r.jobLogs, h.jobLogs)
  .openapi(r.logs, h.logs)
  .openapi(r.log, h.log)
  .openapi(r.setPlan, h.setPlan)
  // GET /stats and GET /stats/analytics: the caller's cron-service statistics, computed in SQL.
  .openapi(sr.stats, sh.stats)
  .openapi(sr.analytics, sh.analytics)
