import { and, desc, eq, isNull, lt } from 'drizzle-orm'
import type { Database } from '../../db/client'
import {
  alerts,
  coldCells,
  customerUsers,
  devices,
  roles,
  technicianCustomers,
  userRoles,
  users,
} from '../../db/schema'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import type { Principal } from '../../lib/types'
import { assertCanManage, assertInScope, scopeFilter, type Scope } from '../coldchain/scope.service'
import { AlertSchema, type AlertListQuery } from './alerts.schemas'

export async function listAlerts(db: Database, scope: Scope, q: AlertListQuery) {
  const where = and(
    scopeFilter(scope, alerts.customerId),
    q.status ? eq(alerts.status, q.status) : undefined,
    q.type ? eq(alerts.type, q.type) : undefined,
    q.coldCellId ? eq(alerts.coldCellId, q.coldCellId) : undefined,
    q.customerId ? eq(alerts.customerId, q.customerId) : undefined,
  )
  const rows = await db
    .select({ alert: alerts, total: totalRows })
    .from(alerts)
    .where(where)
    .orderBy(desc(alerts.firstTriggeredAt), alerts.id)
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => AlertSchema.decode(r.alert),
    () => db.$count(alerts, where),
  )
}

/**
 * Resolves an ACTIVE alert by hand, recording who and why. Out of scope or unknown: 404; a
 * customer user (read-only): 403; already resolved: 409. The guarded UPDATE makes two people
 * resolving at once produce one winner.
 */
export async function resolveAlert(
  db: Database,
  scope: Scope,
  id: string,
  user: Pick<Principal, 'id' | 'roles'>,
  note: string | undefined,
) {
  const [existing] = await db.select({ customerId: alerts.customerId }).from(alerts).where(eq(alerts.id, id))
  assertInScope(scope, existing?.customerId, 'Alert')
  assertCanManage(user)
  const userId = user.id
  const [alert] = await db
    .update(alerts)
    .set({
      status: 'RESOLVED',
      resolvedAt: new Date(),
      resolvedBy: userId,
      resolutionNote: note ?? null,
      autoResolved: false,
    })
    .where(and(eq(alerts.id, id), eq(alerts.status, 'ACTIVE')))
    .returning()
  if (!alert) throw ApiError.conflict('This alert is already resolved')
  return alertEvent(db, alert)
}

/**
 * Who hears of an alert: the customer's users and its linked technicians; once escalated, those
 * technicians and the admins instead of the customer's users.
 */
export async function alertRecipients(db: Database, customerId: string, escalated: boolean) {
  const staff = escalated
    ? []
    : await db
        .select({ id: users.id, email: users.email })
        .from(customerUsers)
        .innerJoin(users, eq(users.id, customerUsers.userId))
        .where(eq(customerUsers.customerId, customerId))
  const techs = await db
    .select({ id: users.id, email: users.email })
    .from(technicianCustomers)
    .innerJoin(users, eq(users.id, technicianCustomers.technicianId))
    .where(eq(technicianCustomers.customerId, customerId))
  const admins = escalated
    ? await db
        .select({ id: users.id, email: users.email })
        .from(userRoles)
        .innerJoin(roles, eq(roles.id, userRoles.roleId))
        .innerJoin(users, eq(users.id, userRoles.userId))
        .where(eq(roles.name, 'admin'))
    : []
  return [...new Map([...staff, ...techs, ...admins].map((u) => [u.id, u])).values()]
}

/**
 * Claims the alerts ACTIVE since before `activeSince` that were never escalated, in one UPDATE
 * (escalated_at is set only where it was null, so each is claimed once however often this runs),
 * with the device serial and cold-cell name an escalation message names.
 */
export async function claimAlertsToEscalate(db: Database, at: Date, activeSince: Date) {
  const claimed = await db
    .update(alerts)
    .set({ escalatedAt: at })
    .where(and(eq(alerts.status, 'ACTIVE'), isNull(alerts.escalatedAt), lt(alerts.firstTriggeredAt, activeSince)))
    .returning()
  return Promise.all(claimed.map((alert) => alertEvent(db, alert)))
}

/** An alert with the device serial and cold-cell name its notifications name. */
async function alertEvent(db: Database, alert: typeof alerts.$inferSelect) {
  const [where] = await db
    .select({ serialNumber: devices.serialNumber, coldCellName: coldCells.name })
    .from(devices)
    .innerJoin(coldCells, eq(coldCells.id, devices.coldCellId))
    .where(eq(devices.id, alert.deviceId))
  return {
    alert: AlertSchema.decode(alert),
    serialNumber: where?.serialNumber ?? '',
    coldCellName: where?.coldCellName ?? '',
  }
}
