import type { DomainEvents, EventContext } from '../../events'
import { disconnectUser, publish } from '../realtime/hub.service'
import { notify } from './notifications.service'

/** A new account starts with a welcome notification (persisted, and pushed if a dashboard is open). */
export async function welcomeUser({ userId, name }: DomainEvents['user.created'], { db, config }: EventContext) {
  await notify(db, config.bindings.CHANNEL_HUB, userId, {
    type: 'welcome',
    title: `Welcome to ${config.APP_NAME}, ${name}`.slice(0, 200),
    message: 'Your account is ready. Updates about your jobs, devices and alerts will show up here.',
  })
}

/**
 * Open dashboards of a deleted account learn it, then every socket and stream it holds is closed,
 * so it stops receiving channel data at once (a reconnect is refused: the token no longer loads a
 * user). Its notifications need no work here: the foreign key cascades them away with the user.
 */
export async function closeDeletedAccount({ userId }: DomainEvents['user.deleted'], { config }: EventContext) {
  await publish(config.bindings.CHANNEL_HUB, `user:${userId}`, 'account.deleted', { userId })
  await disconnectUser(config.bindings.PRESENCE_HUB, userId, 'account deleted')
}
