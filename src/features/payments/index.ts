import { createRouter } from '../../lib/create-router'
import * as h from './payments.handlers'
import * as r from './payments.routes'

export const paymentsRouter = createRouter()
  .openapi(r.checkout, h.checkout)
  .openapi(r.list, h.list)
  .openapi(r.webhook, h.webhook)
  .openapi(r.adminSetPlan, h.adminSetPlan)
