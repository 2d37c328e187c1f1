import { on } from '../../lib/events'
import { publish } from '../realtime/hub.service'
import { notify } from './notifications.service'

/** A new account starts with a welcome notification (persisted, and pushed if a dashboard is open). */
on('user.created', async ({ userId, name }, { db, config }) => {
  await notify(db, config.bindings.CHANNEL_HUB, userId, {
    type: 'welcome',
    title: `Welcome to ${config.APP_NAME}, ${name}`.slice(0, 200),
    message: 'Your account is ready. Updates about your jobs, devices and alerts will show up here.',
  })
})

/**
 * Open dashboards of a deleted account learn it at once and can sign out. Its notifications
 * need no work here: the foreign key cascades them away with the user.
 */
on('user.deleted', async ({ userId }, { config }) => {
  await publish(config.bindings.CHANNEL_HUB, `user:${userId}`, 'account.deleted', { userId })
})
