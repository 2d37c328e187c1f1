import type { Database } from '../../db/client'
import { ApiError } from '../../lib/errors'
import type { Principal } from '../../lib/types'
import type { ChannelFamily } from './protocol'

/** Whether `user` may read the record behind a channel (a project, a cold cell, a customer). */
export type ChannelReadCheck = (db: Database, user: Principal, id: string) => Promise<boolean>

// Families whose membership lives in another feature's data; that feature registers its check.
// Until it does, only admins may subscribe.
const readChecks = new Map<ChannelFamily, ChannelReadCheck>()

/** Lets a feature decide who may subscribe to `<family>:<id>` (projects, cold cells, customers). */
export function registerChannelAccess(family: 'project' | 'coldcell' | 'customer', check: ChannelReadCheck) {
  readChecks.set(family, check)
}

export type ChannelGrant = { channel: string; canPublish: boolean }

/**
 * Who may subscribe, and who may publish from a client:
 * - `public:*`: anyone subscribes; signed-in users publish;
 * - `user:<id>`: that user and admins subscribe; nobody publishes from a client;
 * - `project:*`: members subscribe and publish; `coldcell:*`, `customer:*`: readers subscribe.
 * Anonymous callers get 401 where a user is needed, signed-in callers without access 403.
 */
export async function authorizeChannel(
  db: Database,
  user: Principal | undefined,
  channel: string,
): Promise<ChannelGrant> {
  const split = channel.indexOf(':')
  const family = channel.slice(0, split) as ChannelFamily
  const id = channel.slice(split + 1)
  if (family === 'public') return { channel, canPublish: user !== undefined }
  if (!user) throw ApiError.unauthorized(`Subscribing to ${family} channels needs a token`)
  const admin = user.roles.includes('admin')
  if (family === 'user') {
    if (id !== user.id && !admin) throw ApiError.forbidden(`You may not subscribe to ${channel}`)
    return { channel, canPublish: false }
  }
  const check = readChecks.get(family)
  const allowed = admin || (check ? await check(db, user, id) : false)
  if (!allowed) throw ApiError.forbidden(`You may not subscribe to ${channel}`)
  return { channel, canPublish: family === 'project' }
}
