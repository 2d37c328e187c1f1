import { createRouter } from '../../lib/create-router'
import * as h from './search.handlers'
import * as r from './search.routes'

export const searchRouter = createRouter().openapi(r.search, h.search).openapi(r.autocomplete, h.autocomplete)
