import { and, eq, inArray } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { customerUsers, roles, technicianCustomers, userRoles, users } from '../../db/schema'
import { enqueueEmail } from '../email/email.service'
import { on, type AlertEvent, type EventContext } from '../../lib/events'
import { notify } from '../notifications/notifications.service'

/** The customer's users and its linked technicians, plus admins when `withAdmins`. */
async function recipients(db: Database, customerId: string, withAdmins: boolean) {
  const staff = await db
    .select({ id: users.id, email: users.email })
    .from(customerUsers)
    .innerJoin(users, eq(users.id, customerUsers.userId))
    .where(eq(customerUsers.customerId, customerId))
  const techs = await db
    .select({ id: users.id, email: users.email })
    .from(technicianCustomers)
    .innerJoin(users, eq(users.id, technicianCustomers.technicianId))
    .where(eq(technicianCustomers.customerId, customerId))
  const admins = withAdmins
    ? await db
        .select({ id: users.id, email: users.email })
        .from(userRoles)
        .innerJoin(roles, eq(roles.id, userRoles.roleId))
        .innerJoin(users, eq(users.id, userRoles.userId))
        .where(and(inArray(roles.name, ['admin'])))
    : []
  return [...new Map([...(withAdmins ? [] : staff), ...techs, ...admins].map((u) => [u.id, u])).values()]
}

/**
 * Tells each recipient in the app and by email. The email id is fixed per (alert, transition,
 * recipient), so a transition announced twice is delivered once.
 */
async function announce(kind: 'triggered' | 'resolved' | 'escalated', e: AlertEvent, { db, config }: EventContext) {
  const title =
    `${kind === 'escalated' ? 'Escalated: ' : kind === 'resolved' ? 'Resolved: ' : ''}${e.alert.type.replace('_', ' ')} in ${e.coldCellName}`.slice(
      0,
      200,
    )
  const message =
    kind === 'resolved'
      ? `${e.alert.message} — resolved${e.alert.autoResolved ? ' automatically' : ''}.`
      : e.alert.message
  for (const u of await recipients(db, e.alert.customerId, kind === 'escalated')) {
    await notify(db, config.bindings.CHANNEL_HUB, u.id, {
      type: `alert.${kind}`,
      title,
      message: message.slice(0, 2000),
      data: { alertId: e.alert.id, coldCellId: e.alert.coldCellId, deviceId: e.alert.deviceId },
    })
    await enqueueEmail(
      config,
      u.email,
      'notice',
      { subject: title, text: message },
      { id: `alert:${e.alert.id}:${kind}:${u.id}` },
    )
  }
}

on('alert.triggered', (e, ctx) => announce('triggered', e, ctx))
on('alert.resolved', (e, ctx) => announce('resolved', e, ctx))
// Escalation goes to technicians and admins only (the customer already has the alert).
on('alert.escalated', (e, ctx) => announce('escalated', e, ctx))
