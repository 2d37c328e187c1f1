import { and, eq, isNull, lt } from 'drizzle-orm'
import { alerts, coldCells, devices } from '../db/schema'
import { AlertSchema } from '../features/alerts/alerts.schemas'
import { monitorOf } from '../features/readings/ingest.service'
import { emit } from '../events'
import type { TickContext } from './types'

/** Alerts ACTIVE longer than this are escalated, once. */
export const ESCALATE_AFTER_MS = 60 * 60_000

/**
 * Backstop for missed alarms: every device still ONLINE but silent past the threshold is handed
 * to its DeviceMonitor, which decides (and opens SENSOR_ERROR) exactly as its alarm would.
 */
export async function sweepOfflineDevices({ db, config, at }: TickContext) {
  const silentSince = new Date(at.getTime() - config.DEVICE_OFFLINE_AFTER_SECONDS * 1000)
  const stale = await db
    .select({ serialNumber: devices.serialNumber })
    .from(devices)
    .where(and(eq(devices.status, 'ONLINE'), lt(devices.lastSeenAt, silentSince)))
  const results = await Promise.allSettled(
    stale.map((d) => monitorOf(config.bindings.DEVICE_MONITOR, d.serialNumber).checkOffline()),
  )
  return {
    checked: stale.length,
    markedOffline: results.filter((r) => r.status === 'fulfilled' && r.value).length,
    failed: results.filter((r) => r.status === 'rejected').length,
  }
}

/**
 * Escalates alerts ACTIVE for more than an hour. One UPDATE claims them (escalated_at is set only
 * where it was null), so an alert is escalated exactly once however often this runs.
 */
export async function escalateAlerts({ db, config, at }: TickContext) {
  const escalated = await db
    .update(alerts)
    .set({ escalatedAt: at })
    .where(
      and(
        eq(alerts.status, 'ACTIVE'),
        isNull(alerts.escalatedAt),
        lt(alerts.firstTriggeredAt, new Date(at.getTime() - ESCALATE_AFTER_MS)),
      ),
    )
    .returning()
  for (const alert of escalated) {
    const [where] = await db
      .select({ serialNumber: devices.serialNumber, coldCellName: coldCells.name })
      .from(devices)
      .innerJoin(coldCells, eq(coldCells.id, devices.coldCellId))
      .where(eq(devices.id, alert.deviceId))
    await emit(
      'alert.escalated',
      {
        alert: AlertSchema.decode(alert),
        serialNumber: where?.serialNumber ?? '',
        coldCellName: where?.coldCellName ?? '',
      },
      { db, config },
    )
  }
  return { escalated: escalated.length, ids: escalated.map((a) => a.id) }
}
