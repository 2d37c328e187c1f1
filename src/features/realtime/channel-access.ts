import type { Database } from '../../db/client'
import { ApiError } from '../../lib/errors'
import { canReadColdCell, canReadCustomer } from '../coldchain/channel-access'
import type { Principal } from '../../lib/types'
import type { ChannelFamily } from './protocol'

/** Whether a signed-in `user` may read the record behind a channel (a cold cell, a customer…). */
type ReadCheck = (db: Database, user: Principal, id: string) => Promise<boolean>

type ChannelRule = { read: ReadCheck | 'anyone'; publish: 'signed-in' | 'readers' | 'nobody' }

/**
 * Every channel family and who may use it; a family missing here does not compile. `read` is who
 * subscribes besides admins (`anyone` includes anonymous callers); `publish` who may send from a
 * client: signed-in callers, those who may read, or nobody (server events only).
 */
const CHANNEL_RULES: Record<ChannelFamily, ChannelRule> = {
  public: { read: 'anyone', publish: 'signed-in' },
  user: { read: async (_db, user, id) => id === user.id, publish: 'nobody' },
  // No feature holds project membership yet, so only admins subscribe.
  project: { read: async () => false, publish: 'readers' },
  coldcell: { read: canReadColdCell, publish: 'nobody' },
  customer: { read: canReadCustomer, publish: 'nobody' },
}

export type ChannelGrant = { channel: string; canPublish: boolean }

/**
 * Who may subscribe, and who may publish from a client, by CHANNEL_RULES. Anonymous callers get
 * 401 where a user is needed, signed-in callers without access 403.
 */
export async function authorizeChannel(
  db: Database,
  user: Principal | undefined,
  channel: string,
): Promise<ChannelGrant> {
  const split = channel.indexOf(':')
  const family = channel.slice(0, split) as ChannelFamily
  const id = channel.slice(split + 1)
  const rule = CHANNEL_RULES[family]
  if (rule.read === 'anyone') return { channel, canPublish: rule.publish === 'signed-in' && user !== undefined }
  if (!user) throw ApiError.unauthorized(`Subscribing to ${family} channels needs a token`)
  const allowed = user.roles.includes('admin') || (await rule.read(db, user, id))
  if (!allowed) throw ApiError.forbidden(`You may not subscribe to ${channel}`)
  return { channel, canPublish: rule.publish === 'readers' }
}
