import { createRouter } from '../../lib/create-router'
import * as h from './alerts.handlers'
import * as r from './alerts.routes'

export const alertsRouter = createRouter().openapi(r.list, h.list).openapi(r.resolve, h.resolve)
