import { databaseOf, type Database } from '../../db/client'
import { loadConfig, type Config } from '../../env'
import { ApiError } from '../../lib/errors'
import { errorFields, log } from '../../lib/logger'
import { verifyAccessToken } from '../../lib/tokens'
import { accessOf, loadPrincipal } from '../rbac/access.service'
import { authorizeChannel, mayRead } from './channel-access'
import { hubFor, presenceOf } from './hub.service'
import { CLOSE, type Close, type Subscriber } from './protocol'

// A connection is authorized when it opens; these keep it honest afterwards. The triggers close
// before their request answers, so an event published once it has answered never reaches the old
// connection. A failed close is logged, not thrown (the change itself stands): the connection still
// ends when its access token expires, since only a token of a live session renews it.

type Hubs = Pick<Config['bindings'], 'PRESENCE_HUB' | 'CHANNEL_HUB'>

async function logged(what: string, userId: string, work: () => Promise<unknown>) {
  try {
    await work()
  } catch (err) {
    log('warn', `${what} failed`, { userId, ...errorFields(err) })
  }
}

/** Closes (4001, `session ended: <why>`) what the revoked `sessionIds` of `userId` hold, on every channel. */
export async function closeSessions(
  hubs: Pick<Hubs, 'PRESENCE_HUB'>,
  userId: string,
  sessionIds: string[],
  why: string,
) {
  if (!sessionIds.length) return
  await logged('closing revoked sessions', userId, () =>
    presenceOf(hubs.PRESENCE_HUB, userId).closeConnections({ sessionIds }, CLOSE.sessionEnded(why)),
  )
}

/**
 * After `userId`'s roles or customer links changed: closes (4003) their connections on each
 * channel they may no longer read, and leaves the others open.
 */
export async function recheckChannelAccess(db: Database, hubs: Hubs, userId: string) {
  await logged('re-checking channel access', userId, async () => {
    const channels = await presenceOf(hubs.PRESENCE_HUB, userId).channels()
    if (!channels.length) return
    const user = { id: userId, roles: (await accessOf(db, userId)).roles }
    const denied: string[] = []
    for (const channel of channels) if (!(await mayRead(db, user, channel))) denied.push(channel)
    await Promise.all(
      denied.map((ch) => hubFor(hubs.CHANNEL_HUB, ch).closeConnections({ userId }, CLOSE.accessRevoked)),
    )
  })
}

/** An `auth` frame's outcome: the socket's new expiry, an error to answer (the socket stays), or a close. */
export type Renewal =
  | { expiresAt: number; canPublish: boolean }
  | { error: { code: string; message: string } }
  | { close: Close }

/**
 * Checks a fresh token a socket sends (`auth` frame): the same user and session as the socket's,
 * the session still live, the channel still readable. Runs in the channel's hub.
 */
export async function renewConnection(
  env: Env,
  sub: Pick<Subscriber, 'userId' | 'sessionId'>,
  channel: string,
  token: string,
): Promise<Renewal> {
  const config = loadConfig(env)
  const claims = await verifyAccessToken(config, token).catch((err: unknown) => {
    if (err instanceof ApiError) return { error: { code: err.code, message: err.message } }
    throw err
  })
  if ('error' in claims) return claims
  if (claims.sub !== sub.userId || claims.sid !== sub.sessionId)
    return {
      error: { code: 'INVALID_TOKEN', message: "The token is another session's: open a new connection with it" },
    }
  try {
    const db = databaseOf(config)
    const user = await loadPrincipal(db, claims)
    if (!user) return { close: CLOSE.sessionEnded('no longer valid') }
    const grant = await authorizeChannel(db, user, channel).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'FORBIDDEN') return null
      throw err
    })
    if (!grant) return { close: CLOSE.accessRevoked }
    return { expiresAt: claims.exp * 1000, canPublish: grant.canPublish }
  } catch (err) {
    log('warn', 'socket renewal failed', { channel, ...errorFields(err) })
    return { error: { code: 'SERVICE_UNAVAILABLE', message: 'The token could not be checked; send it again' } }
  }
}
