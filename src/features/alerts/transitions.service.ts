import { and, eq, getTableColumns, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { alerts, type Alert, type AlertType } from '../../db/schema'
import type { CellRules, Transition } from './alert-engine'

/** The device an alert engine runs for, with what its alerts and events need. */
export type DeviceContext = {
  deviceId: string
  serialNumber: string
  coldCellId: string
  coldCellName: string
  customerId: string
  rules: CellRules
}

export type AlertChange = { kind: 'triggered' | 'updated' | 'resolved'; alert: Alert }

/** The channels a cold cell's readings and alerts are published on: its own and its customer's. */
export const alertChannels = (where: { coldCellId: string; customerId: string }) => [
  `coldcell:${where.coldCellId}`,
  `customer:${where.customerId}`,
]

const SEVERITY: Record<AlertType, 'WARNING' | 'CRITICAL'> = {
  HIGH_TEMP: 'CRITICAL',
  LOW_TEMP: 'CRITICAL',
  POWER_LOSS: 'CRITICAL',
  SENSOR_ERROR: 'WARNING',
}

function messageFor(type: AlertType, value: number | null, d: DeviceContext) {
  const where = `${d.coldCellName} (${d.serialNumber})`
  if (type === 'HIGH_TEMP') return `Temperature ${value} °C above the maximum ${d.rules.maxTemp} °C in ${where}`
  if (type === 'LOW_TEMP') return `Temperature ${value} °C below the minimum ${d.rules.minTemp} °C in ${where}`
  if (type === 'POWER_LOSS') return `Power lost in ${where}`
  return `No readings from ${where}: the device is offline`
}

/**
 * Opens an alert, or, when one of that type is already ACTIVE for the device (the partial unique
 * index), counts a repeat on it instead: racing writers can never open two.
 */
async function open(db: Database, d: DeviceContext, t: Transition): Promise<AlertChange> {
  const at = new Date(t.at)
  const [row] = await db
    .insert(alerts)
    .values({
      deviceId: d.deviceId,
      coldCellId: d.coldCellId,
      customerId: d.customerId,
      type: t.type,
      severity: SEVERITY[t.type],
      message: messageFor(t.type, t.value, d),
      value: t.value,
      firstTriggeredAt: at,
      lastTriggeredAt: at,
    })
    .onConflictDoUpdate({
      target: [alerts.deviceId, alerts.type],
      targetWhere: sql`${alerts.status} = 'ACTIVE'`,
      set: {
        lastTriggeredAt: sql`greatest(${alerts.lastTriggeredAt}, excluded.last_triggered_at)`,
        triggerCount: sql`${alerts.triggerCount} + 1`,
        value: sql`excluded.value`,
        updatedAt: new Date(),
      },
    })
    .returning({ ...getTableColumns(alerts), inserted: sql<boolean>`xmax = 0` })
  const { inserted, ...alert } = row!
  return { kind: inserted ? 'triggered' : 'updated', alert }
}

const activeOf = (d: DeviceContext, type: AlertType) =>
  and(eq(alerts.deviceId, d.deviceId), eq(alerts.type, type), eq(alerts.status, 'ACTIVE'))

/** Writes the engine's transitions to Postgres and returns what changed, in order. */
export async function applyTransitions(
  db: Database,
  d: DeviceContext,
  transitions: Transition[],
): Promise<AlertChange[]> {
  const changes: AlertChange[] = []
  for (const t of transitions) {
    if (t.kind === 'open') changes.push(await open(db, d, t))
    else if (t.kind === 'repeat') {
      const [alert] = await db
        .update(alerts)
        .set({
          lastTriggeredAt: sql`greatest(${alerts.lastTriggeredAt}, ${new Date(t.at).toISOString()}::timestamptz)`,
          triggerCount: sql`${alerts.triggerCount} + 1`,
          value: t.value,
        })
        .where(activeOf(d, t.type))
        .returning()
      // Resolved by hand while the breach went on: it opens again.
      changes.push(alert ? { kind: 'updated', alert } : await open(db, d, t))
    } else {
      const [alert] = await db
        .update(alerts)
        .set({
          status: 'RESOLVED',
          resolvedAt: new Date(t.at),
          autoResolved: true,
          value: t.value ?? sql`${alerts.value}`,
        })
        .where(activeOf(d, t.type))
        .returning()
      if (alert) changes.push({ kind: 'resolved', alert })
    }
  }
  return changes
}
