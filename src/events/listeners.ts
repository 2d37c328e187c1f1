import {
  emailAlertEscalated,
  emailAlertResolved,
  emailAlertTriggered,
  notifyAlertEscalated,
  notifyAlertResolved,
  notifyAlertTriggered,
} from '../features/alerts/alerts.events'
import { emailJobFailure, notifyJobFailure } from '../features/jobs/jobs.events'
import { closeDeletedAccount, welcomeUser } from '../features/notifications/notifications.events'
import {
  emailPaymentCompleted,
  emailPaymentFailed,
  notifyPaymentCompleted,
  notifyPaymentFailed,
} from '../features/payments/payments.events'
import { notifyTaskAssigned } from '../features/tasks/tasks.events'
import { emailAccountDeleted, emailWelcome } from '../features/users/users.events'
import type { ListenerMap } from '../lib/events'
import type { DomainEvents } from './types'

/**
 * Who reacts to each domain event, in one place: an event missing here does not compile, and
 * test/events.test.ts checks every entry at run time. Listeners are plain functions of their
 * features; none registers itself.
 */
export const listeners: ListenerMap<DomainEvents> = {
  'user.created': [welcomeUser, emailWelcome],
  'user.deleted': [closeDeletedAccount, emailAccountDeleted],
  'job.failed': [emailJobFailure, notifyJobFailure],
  'alert.triggered': [notifyAlertTriggered, emailAlertTriggered],
  'alert.resolved': [notifyAlertResolved, emailAlertResolved],
  'alert.escalated': [notifyAlertEscalated, emailAlertEscalated],
  'payment.completed': [emailPaymentCompleted, notifyPaymentCompleted],
  'payment.failed': [emailPaymentFailed, notifyPaymentFailed],
  'task.assigned': [notifyTaskAssigned],
}
