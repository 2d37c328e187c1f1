import type { Database } from '../../db/client'
import { ApiError } from '../../lib/errors'
import { canReadColdCell, canReadCustomer } from '../coldchain/channel-access'
import { canReadProject } from '../projects/channel-access'
import type { Principal } from '../../lib/types'
import type { ChannelFamily } from './protocol'

/** Who a check looks at: its id and roles, as of the request, or as re-read after a change. */
type Reader = Pick<Principal, 'id' | 'roles'>

/** Whether a signed-in `user` may read the record behind a channel (a cold cell, a customer…). */
type ReadCheck = (db: Database, user: Reader, id: string) => Promise<boolean>

type ChannelRule = { read: ReadCheck | 'anyone'; publish: 'signed-in' | 'readers' | 'nobody' }

/**
 * Every channel family and who may use it; a family missing here does not compile. `read` is who
 * subscribes besides admins (`anyone` includes anonymous callers); `publish` who may send from a
 * client: signed-in callers, those who may read, or nobody (server events only).
 */
const CHANNEL_RULES: Record<ChannelFamily, ChannelRule> = {
  public: { read: 'anyone', publish: 'signed-in' },
  user: { read: async (_db, user, id) => id === user.id, publish: 'nobody' },
  project: { read: canReadProject, publish: 'readers' },
  coldcell: { read: canReadColdCell, publish: 'nobody' },
  customer: { read: canReadCustomer, publish: 'nobody' },
}

export type ChannelGrant = { channel: string; canPublish: boolean }

const familyOf = (channel: string) => {
  const split = channel.indexOf(':')
  return { family: channel.slice(0, split) as ChannelFamily, id: channel.slice(split + 1) }
}

/**
 * Whether signed-in `user` may still subscribe to `channel`: asked again when their roles or
 * customer links change, and when a socket presents a fresh token (`auth` frame).
 */
export async function mayRead(db: Database, user: Reader, channel: string) {
  const { family, id } = familyOf(channel)
  const { read } = CHANNEL_RULES[family]
  return read === 'anyone' || user.roles.includes('admin') || (await read(db, user, id))
}

/**
 * Who may subscribe, and who may publish from a client, by CHANNEL_RULES. Anonymous callers get
 * 401 where a user is needed, signed-in callers without access 403.
 */
export async function authorizeChannel(
  db: Database,
  user: Principal | undefined,
  channel: string,
): Promise<ChannelGrant> {
  const { family } = familyOf(channel)
  const rule = CHANNEL_RULES[family]
  if (rule.read === 'anyone') return { channel, canPublish: rule.publish === 'signed-in' && user !== undefined }
  if (!user) throw ApiError.unauthorized(`Subscribing to ${family} channels needs a token`)
  if (!(await mayRead(db, user, channel))) throw ApiError.forbidden(`You may not subscribe to ${channel}`)
  return { channel, canPublish: rule.publish === 'readers' }
}
