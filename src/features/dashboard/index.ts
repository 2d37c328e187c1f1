import { createRouter } from '../../lib/create-router'
import * as h from './dashboard.handlers'
import * as r from './dashboard.routes'

export const dashboardRouter = createRouter().openapi(r.technician, h.technician)
