import type { Context } from 'hono'
import { clientIp, rateLimit } from '../../lib/rate-limit/middleware'
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

/** RATE_LIMIT_AUTH per IP and email; refuses (503) rather than opening up when the limiter is down. */
export const authRateLimit = () =>
  rateLimit({
    bucket: 'auth',
    rule: (config) => config.RATE_LIMIT_AUTH,
    key: async (c) => `${clientIp(c)}|${await bodyEmail(c)}`,
    failClosed: true,
  })

/** Password guesses by an authenticated caller (change-password): RATE_LIMIT_AUTH per user. */
export const passwordRateLimit = () =>
  rateLimit({
    bucket: 'auth-password',
    rule: (config) => config.RATE_LIMIT_AUTH,
    key: (c) => `user:${c.get('user')?.id ?? clientIp(c)}`,
    failClosed: true,
  })
