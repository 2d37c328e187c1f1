import type { Context } from 'hono'
import { cacheOf } from '../../lib/cache'
import { ok } from '../../lib/envelope'
import { emitAfterResponse } from '../../events'
import { clientIp } from '../../lib/rate-limit/middleware'
import { waitUntil } from '../../lib/request-context'
import type { AppEnv, AuthEnv, Handler } from '../../lib/types'
import { getUser, updateUser } from '../users/users.service'
import type * as routes from './auth.routes'
import * as auth from './auth.service'
import { endSessionOf, rotateRefreshToken } from './sessions.service'

const deps = (c: Context<AppEnv>) => ({ db: c.get('db'), config: c.get('config') })
const me = (c: Context<AuthEnv>) => c.get('user')

export const register: Handler<typeof routes.register> = async (c) => {
  const { db, config } = deps(c)
  return ok(
    c,
    await auth.register(db, config, c.req.valid('json'), (user) => emitAfterResponse(c, 'user.created', user)),
    201,
  )
}

export const verify: Handler<typeof routes.verify> = async (c) => {
  const { email, code } = c.req.valid('json')
  const { db, config } = deps(c)
  return ok(c, await auth.verifyEmail(db, config, email, code))
}

export const resendVerification: Handler<typeof routes.resendVerification> = async (c) => {
  const { db, config } = deps(c)
  await auth.resendVerification(db, config, c.req.valid('json').email)
  return ok(c, { message: 'If the account exists and is not verified, a new code is on its way' }, 202)
}

export const login: Handler<typeof routes.login> = async (c) => {
  const { email, password } = c.req.valid('json')
  const { db, config } = deps(c)
  return ok(
    c,
    await auth.login(db, config, email, password, { ip: clientIp(c), userAgent: c.req.header('user-agent') }),
  )
}

export const refresh: Handler<typeof routes.refresh> = async (c) => {
  const { db, config } = deps(c)
  const issued = await rotateRefreshToken(db, config, c.req.valid('json').refreshToken)
  return ok(c, await auth.tokenPair(config, issued))
}

export const logout: Handler<typeof routes.logout> = async (c) => {
  await endSessionOf(c.get('db'), c.get('config').bindings, c.req.valid('json').refreshToken)
  return c.body(null, 204)
}

export const forgotPassword: Handler<typeof routes.forgotPassword> = async (c) => {
  const config = c.get('config')
  const { email } = c.req.valid('json')
  // Off the response path, so known and unknown addresses answer in the same time.
  waitUntil(c, auth.forgotPassword(c.get('db'), config, email))
  return ok(c, { message: 'If the account exists, a reset link is on its way' }, 202)
}

export const resetPassword: Handler<typeof routes.resetPassword> = async (c) => {
  const { token, password } = c.req.valid('json')
  await auth.resetPassword(c.get('db'), c.get('config'), token, password)
  return ok(c, { message: 'Password changed; every session was signed out' })
}

export const getMe: Handler<typeof routes.me> = async (c) => ok(c, await getUser(c.get('db'), me(c).id))

export const getMeWithRoles: Handler<typeof routes.meWithRoles> = async (c) => {
  const user = await getUser(c.get('db'), me(c).id)
  return ok(c, { ...user, roles: me(c).roles, permissions: me(c).permissions })
}

export const updateProfile: Handler<typeof routes.profile> = async (c) =>
  ok(c, await updateUser(c.get('db'), cacheOf(c.get('config')), me(c).id, c.req.valid('json')))

export const changePassword: Handler<typeof routes.changePassword> = async (c) => {
  const { currentPassword, newPassword } = c.req.valid('json')
  await auth.changePassword(c.get('db'), c.get('config'), me(c).id, me(c).sessionId, currentPassword, newPassword)
  return ok(c, { message: 'Password changed; your other sessions were signed out' })
}
