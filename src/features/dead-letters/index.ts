import { createRouter } from '../../lib/create-router'
import * as h from './dead-letters.handlers'
import * as r from './dead-letters.routes'

export const deadLettersRouter = createRouter().openapi(r.list, h.list).openapi(r.replay, h.replay)
