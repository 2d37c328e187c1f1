import { createRouter } from '../../lib/create-router'
import * as h from './dev.handlers'
import * as r from './dev.routes'

export const devRouter = createRouter().openapi(r.mailbox, h.mailbox)
