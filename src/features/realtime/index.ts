import { createRouter } from '../../lib/create-router'
import * as h from './realtime.handlers'
import * as r from './realtime.routes'

export const realtimeRouter = createRouter()
  .openapi(r.connect, h.connect)
  .openapi(r.authConnect, h.authConnect)
  .openapi(r.userSend, h.userSend)
  .openapi(r.adminSendChannel, h.adminSendChannel)
  .openapi(r.adminSendUser, h.adminSendUser)
  .openapi(r.adminBroadcast, h.adminBroadcast)
  .openapi(r.adminStats, h.adminStats)
  .openapi(r.adminClients, h.adminClients)
  .openapi(r.socket, h.socket)
