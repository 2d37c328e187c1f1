import { ok } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import type { Handler } from '../../lib/types'
import * as email from '../email/email.service'
import type * as r from './dev.routes'

export const mailbox: Handler<typeof r.mailbox> = async (c) => {
  // Outside development the route does not exist, so it answers exactly like an unknown path.
  if (!c.get('config').isDev) throw new ApiError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`)
  const { to, template, limit } = c.req.valid('query')
  const rows = await email.mailbox(c.get('db'), to, { template, limit })
  return ok(
    c,
    rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
  )
}
