import { createRouter } from '../../lib/create-router'
import * as h from './auth.handlers'
import * as routes from './auth.routes'

export const authRouter = createRouter()
  .openapi(routes.register, h.register)
  .openapi(routes.verify, h.verify)
  .openapi(routes.resendVerification, h.resendVerification)
  .openapi(routes.login, h.login)
  .openapi(routes.refresh, h.refresh)
  .openapi(routes.logout, h.logout)
  .openapi(routes.forgotPassword, h.forgotPassword)
  .openapi(routes.resetPassword, h.resetPassword)
  .openapi(routes.me, h.getMe)
  .openapi(routes.meWithRoles, h.getMeWithRoles)
  .openapi(routes.profile, h.updateProfile)
  .openapi(routes.changePassword, h.changePassword)
