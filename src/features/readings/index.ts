import { createRouter } from '../../lib/create-router'
import * as h from './readings.handlers'
import * as r from './readings.routes'

export const readingsRouter = createRouter().openapi(r.ingest, h.ingest).openapi(r.history, h.history)
