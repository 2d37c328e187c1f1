import type { AlertEvent, EventContext } from '../../events'
import { enqueueEmail } from '../email/email.service'
import { notify } from '../notifications/notifications.service'
import { alertRecipients } from './alerts.service'

type Transition = 'triggered' | 'resolved' | 'escalated'

/** What every recipient is told: the same words in the app and by email. */
function notice(kind: Transition, e: AlertEvent) {
  const prefix = kind === 'escalated' ? 'Escalated: ' : kind === 'resolved' ? 'Resolved: ' : ''
  const title = `${prefix}${e.alert.type.replace('_', ' ')} in ${e.coldCellName}`.slice(0, 200)
  const message =
    kind === 'resolved'
      ? `${e.alert.message} — resolved${e.alert.autoResolved ? ' automatically' : ''}.`
      : e.alert.message
  return { title, message }
}

// The notify and email listeners of one emit get the same payload object: they share one
// recipients query instead of asking Postgres twice.
const recipientsByEvent = new WeakMap<AlertEvent, ReturnType<typeof alertRecipients>>()

// Escalation goes to technicians and admins only (the customer already has the alert).
function recipientsOf(kind: Transition, e: AlertEvent, db: EventContext['db']) {
  let recipients = recipientsByEvent.get(e)
  if (!recipients) {
    recipients = alertRecipients(db, e.alert.customerId, kind === 'escalated')
    recipientsByEvent.set(e, recipients)
  }
  return recipients
}

/** Tells each recipient in the app (persisted, and pushed to an open dashboard). */
async function notifyAlert(kind: Transition, e: AlertEvent, { db, config }: EventContext) {
  const { title, message } = notice(kind, e)
  for (const u of await recipientsOf(kind, e, db)) {
    await notify(db, config.bindings.CHANNEL_HUB, u.id, {
      type: `alert.${kind}`,
      title,
      message: message.slice(0, 2000),
      data: { alertId: e.alert.id, coldCellId: e.alert.coldCellId, deviceId: e.alert.deviceId },
    })
  }
}

/**
 * Tells each recipient by email. The email id is fixed per (alert, transition, recipient), so a
 * transition announced twice is delivered once.
 */
async function emailAlert(kind: Transition, e: AlertEvent, { db, config }: EventContext) {
  const { title, message } = notice(kind, e)
  for (const u of await recipientsOf(kind, e, db)) {
    await enqueueEmail(
      config,
      u.email,
      'notice',
      { subject: title, text: message },
      { id: `alert:${e.alert.id}:${kind}:${u.id}` },
    )
  }
}

// One listener per transition, so src/events/listeners.ts names each; function declarations are
// hoisted, so the map can hold them whatever order the modules load in.
export async function notifyAlertTriggered(e: AlertEvent, ctx: EventContext) {
  await notifyAlert('triggered', e, ctx)
}
export async function emailAlertTriggered(e: AlertEvent, ctx: EventContext) {
  await emailAlert('triggered', e, ctx)
}
export async function notifyAlertResolved(e: AlertEvent, ctx: EventContext) {
  await notifyAlert('resolved', e, ctx)
}
export async function emailAlertResolved(e: AlertEvent, ctx: EventContext) {
  await emailAlert('resolved', e, ctx)
}
export async function notifyAlertEscalated(e: AlertEvent, ctx: EventContext) {
  await notifyAlert('escalated', e, ctx)
}
export async function emailAlertEscalated(e: AlertEvent, ctx: EventContext) {
  await emailAlert('escalated', e, ctx)
}
