import { createRouter } from '../../lib/create-router'
import * as h from './metrics.handlers'
import * as routes from './metrics.routes'

/** `GET /metrics` (Prometheus), at the root as seed 000 scrapes it. */
export const metricsRouter = createRouter().openapi(routes.metrics, h.metrics)
