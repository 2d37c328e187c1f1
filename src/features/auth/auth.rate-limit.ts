import type { Context, MiddlewareHandler } from 'hono'
import type { Config } from '../../env'
import { ApiError } from '../../lib/errors'
import { rateLimitBackend, type RateLimitBackend, type RateRule } from '../../lib/rate-limit'
import { clientIp, enforceLimit, rateLimit } from '../../lib/rate-limit/middleware'
import { waitUntil } from '../../lib/request-context'
import type { AppEnv } from '../../lib/types'

/** The email of a JSON body, if any; hono caches the parsed body for the validator after us. */
async function bodyEmail(c: Context<AppEnv>) {
  try {
    const body: unknown = await c.req.json()
    const email = typeof body === 'object' && body !== null ? (body as { email?: unknown }).email : undefined
    return typeof email === 'string' ? email.trim().toLowerCase().slice(0, 254) : ''
  } catch {
    return ''
  }
}

const byIp = (c: Context<AppEnv>) => `ip:${clientIp(c)}`
const byIpAndEmail = async (c: Context<AppEnv>) => `${clientIp(c)}|${await bodyEmail(c)}`

/**
 * Every call spends from its action's own bucket, so one action never eats another's budget. The
 * database keeps its own per-email/per-token limits on top (5 guesses per code, one code a minute,
 * single-use reset tokens). Reset tokens are 256-bit: their budget only curbs hammering, so per IP.
 */
const ACTIONS = {
  register: { rule: (config: Config) => config.RATE_LIMIT_REGISTER, key: byIp },
  verify: { rule: (config: Config) => config.RATE_LIMIT_VERIFY, key: byIpAndEmail },
  resend: { rule: (config: Config) => config.RATE_LIMIT_RESEND, key: byIpAndEmail },
  forgot: { rule: (config: Config) => config.RATE_LIMIT_FORGOT, key: byIpAndEmail },
  reset: { rule: (config: Config) => config.RATE_LIMIT_RESET, key: byIp },
}

/** One auth action's limit; refuses (503) rather than opening up when the limiter is down. */
export const authRateLimit = (action: keyof typeof ACTIONS) =>
  rateLimit({ bucket: `auth-${action}`, ...ACTIONS[action], failClosed: true })

type Budget = { bucket: string; key: string; rule: RateRule }

/** Only a wrong password (or an unknown email) is a failure; EMAIL_NOT_VERIFIED answers the right password only. */
function loginOutcome(c: Context<AppEnv>): 'failed' | 'signed-in' | 'neither' {
  const code = c.error instanceof ApiError ? c.error.code : undefined
  if (code === 'INVALID_CREDENTIALS') return 'failed'
  return c.res.status === 200 || code === 'EMAIL_NOT_VERIFIED' ? 'signed-in' : 'neither'
}

/**
 * Failed logins: RATE_LIMIT_LOGIN_FAILURES per IP and email, and RATE_LIMIT_LOGIN_IP per IP across
 * emails (password spraying). Both are spent before the password is checked, so parallel guesses
 * cannot all pass a check made before any of them failed; the outcome then gives back what was not
 * a failure. Signing in clears the account's failures, but only refunds its own unit of the IP's:
 * one valid account must not launder a spray. Fails closed (503) when the limiter is down.
 */
export const loginRateLimit = (): MiddlewareHandler<AppEnv> =>
  async function loginRateLimit(c, next) {
    const config = c.get('config')
    const backend: RateLimitBackend = rateLimitBackend(config, (p) => waitUntil(c, p))
    const ip = clientIp(c)
    const spray: Budget = { bucket: 'auth-login-ip', key: `ip:${ip}`, rule: config.RATE_LIMIT_LOGIN_IP }
    const account: Budget = {
      bucket: 'auth-login-failures',
      key: `${ip}|${await bodyEmail(c)}`,
      rule: config.RATE_LIMIT_LOGIN_FAILURES,
    }
    const spend = async (b: Budget) =>
      enforceLimit(c, b.bucket, b.rule, await backend.limit(b.bucket, b.key, b.rule), true)
    const refund = (b: Budget) => backend.refund(b.bucket, b.key, b.rule)
    await spend(spray)
    try {
      // Set last, the account's RateLimit-* headers are the ones the client sees.
      await spend(account)
    } catch (err) {
      await refund(spray)
      throw err
    }
    await next()
    const outcome = loginOutcome(c)
    if (outcome === 'signed-in') {
      await Promise.all([backend.reset(account.bucket, account.key, account.rule), refund(spray)])
      c.header('RateLimit-Remaining', String(account.rule.limit))
    } else if (outcome === 'neither') {
      await Promise.all([refund(account), refund(spray)])
    }
  }

/** Password guesses by an authenticated caller (change-password): RATE_LIMIT_CHANGE_PASSWORD per user. */
export const passwordRateLimit = () =>
  rateLimit({
    bucket: 'auth-password',
    rule: (config) => config.RATE_LIMIT_CHANGE_PASSWORD,
    key: (c) => `user:${c.get('user')?.id ?? clientIp(c)}`,
    failClosed: true,
  })
