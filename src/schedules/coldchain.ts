import { claimAlertsToEscalate } from '../features/alerts/alerts.service'
import { monitorOf, silentOnlineSerials } from '../features/readings/ingest.service'
import { emit } from '../events'
import type { TickContext } from './types'

/** Alerts ACTIVE longer than this are escalated, once. */
export const ESCALATE_AFTER_MS = 60 * 60_000

/**
 * Backstop for missed alarms: every device still ONLINE but silent past the threshold is handed
 * to its DeviceMonitor, which decides (and opens SENSOR_ERROR) exactly as its alarm would.
 */
export async function sweepOfflineDevices({ db, config, at }: TickContext) {
  const stale = await silentOnlineSerials(db, new Date(at.getTime() - config.DEVICE_OFFLINE_AFTER_SECONDS * 1000))
  const results = await Promise.allSettled(
    stale.map((serial) => monitorOf(config.bindings.DEVICE_MONITOR, serial).checkOffline()),
  )
  return {
    checked: stale.length,
    markedOffline: results.filter((r) => r.status === 'fulfilled' && r.value).length,
    failed: results.filter((r) => r.status === 'rejected').length,
  }
}

/** Escalates alerts ACTIVE for more than an hour, exactly once each (the claim is one guarded UPDATE). */
export async function escalateAlerts({ db, config, at }: TickContext) {
  const escalated = await claimAlertsToEscalate(db, at, new Date(at.getTime() - ESCALATE_AFTER_MS))
  for (const event of escalated) await emit('alert.escalated', event, { db, config })
  return { escalated: escalated.length, ids: escalated.map((e) => e.alert.id) }
}
