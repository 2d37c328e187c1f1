import type { DomainEvents, EventContext } from '../../events'
import { enqueueEmail } from '../email/email.service'

// The email ids are fixed per account: the email queue stores and sends one id once, so an event
// emitted twice or a queue retry delivers each of these mails a single time.

/** A new account is welcomed by email (the in-app welcome is notifications' listener). */
export async function emailWelcome({ userId, email, name }: DomainEvents['user.created'], { config }: EventContext) {
  await enqueueEmail(config, email, 'welcome', { name }, { id: `welcome:${userId}` })
}

/** The address a deleted account had (captured by the DELETE itself) learns that it is gone. */
export async function emailAccountDeleted({ userId, email }: DomainEvents['user.deleted'], { config }: EventContext) {
  await enqueueEmail(config, email, 'account-deleted', {}, { id: `account-deleted:${userId}` })
}
