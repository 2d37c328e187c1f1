import { and, eq, lt } from 'drizzle-orm'
import type { Database, PoolDatabase } from '../../db/client'
import { coldCells, devices, locations } from '../../db/schema'
import type { Config } from '../../env'
import { log } from '../../lib/logger'
import { AlertSchema, type AlertOut } from '../alerts/alerts.schemas'
import { mayTransition } from '../alerts/alert-engine'
import { alertChannels, applyTransitions, type AlertChange, type DeviceContext } from '../alerts/transitions.service'
import { publishAll } from '../realtime/hub.service'
import { ingestStep, offlineStep, type IngestInput, type MonitorState, type ReadingEvent } from './pipeline'
import { lastSeenOf, markDeviceOffline, storeReadings, type NormalizedReading } from './readings.service'
import type { ReadingInput } from './readings.schemas'

/** A device by serial number, with its key hash and its cold cell's rules (null when unknown). */
export async function loadDevice(
  db: Database,
  serialNumber: string,
): Promise<{ device: DeviceContext; keyHash: string } | null> {
  const [row] = await db
    .select({ device: devices, cell: coldCells, customerId: locations.customerId })
    .from(devices)
    .innerJoin(coldCells, eq(coldCells.id, devices.coldCellId))
    .innerJoin(locations, eq(locations.id, coldCells.locationId))
    .where(eq(devices.serialNumber, serialNumber))
  if (!row) return null
  const { cell } = row
  return {
    keyHash: row.device.keyHash,
    device: {
      deviceId: row.device.id,
      serialNumber,
      coldCellId: cell.id,
      coldCellName: cell.name,
      customerId: row.customerId,
      rules: {
        minTemp: cell.minTemp,
        maxTemp: cell.maxTemp,
        pendingReadings: cell.pendingReadings,
        pendingSeconds: cell.pendingSeconds,
        deadband: cell.deadband,
      },
    },
  }
}

/** Readings with their device time in ms; a reading without one was taken now. */
export function normalize(input: ReadingInput[], now = Date.now()): NormalizedReading[] {
  return input.map((r) => ({
    recordedAt: r.recordedAt ? Date.parse(r.recordedAt) : now,
    temperature: r.temperature,
    humidity: r.humidity ?? null,
    powerStatus: r.powerStatus,
    doorStatus: r.doorStatus ?? null,
    batteryLevel: r.batteryLevel ?? null,
  }))
}

type Monitors = Config['bindings']['DEVICE_MONITOR']

/** The DeviceMonitor of a device: one per serial number. */
export const monitorOf = (monitors: Monitors, serialNumber: string) => monitors.get(monitors.idFromName(serialNumber))

/**
 * Tells a device's monitor to drop what it cached (key, cold cell, customer): after a key is
 * regenerated, the device moves or is deleted. Best effort: the cache also expires within a minute.
 */
export async function forgetDevice(monitors: Monitors, serialNumber: string) {
  await monitorOf(monitors, serialNumber).forget()
}

/**
 * A device monitor's Postgres work for one batch: stores the readings, runs the new ones through the
 * pipeline and writes its alert transitions. The monitor stores `step.save` and publishes. A batch
 * that may change an alert is one transaction: readings committed without their alert changes
 * would never be evaluated again (a resent reading is not new), so a failed alert write must leave
 * the batch unstored for the device's retry. One that cannot is a single statement.
 */
export async function ingestBatch(db: PoolDatabase, s: MonitorState, input: Omit<IngestInput, 'stored'>) {
  const { device, batch, now } = input
  const write = async (tx: Database) => {
    const stored = await storeReadings(tx, device.deviceId, device.coldCellId, batch, now)
    const step = ingestStep(s, { ...input, stored })
    return { stored, step, changes: await applyTransitions(tx, device, step.transitions) }
  }
  return mayTransition(s.engine, batch, device.rules) ? db.transaction(write) : write(db)
}

/**
 * Asks Postgres when a silent device was last seen and, when that is past the threshold too, marks
 * it OFFLINE and opens SENSOR_ERROR, in one transaction. Null when the device no longer exists.
 */
export async function checkSilence(db: PoolDatabase, s: MonitorState, device: DeviceContext, thresholdMs: number) {
  const seen = await lastSeenOf(db, device.deviceId)
  if (seen === undefined) return null
  const step = offlineStep(s, seen, Date.now(), thresholdMs)
  if (step.kind === 'seen') return { ...step, changes: [] }
  return db.transaction(async (tx) => {
    await markDeviceOffline(tx, device.deviceId, step.seenAt)
    return { ...step, changes: await applyTransitions(tx, device, step.transitions) }
  })
}

/**
 * Publishes a batch's reading and each alert change on the device's channels. A failed publish is
 * logged, never thrown: Postgres already has the data.
 */
export async function publishDeviceEvents(
  hubs: Config['bindings']['CHANNEL_HUB'],
  d: DeviceContext,
  changes: AlertChange[],
  reading: ReadingEvent | null,
) {
  const events: { event: string; payload: ReadingEvent | AlertOut }[] = []
  if (reading) events.push({ event: 'reading', payload: reading })
  for (const c of changes) events.push({ event: `alert.${c.kind}`, payload: AlertSchema.decode(c.alert) })
  if (!events.length) return
  // One call per channel, in order (a subscriber sees the reading before the alert it caused).
  const results = await Promise.allSettled(alertChannels(d).map((ch) => publishAll(hubs, ch, events)))
  const failed = results.filter((r) => r.status === 'rejected').length
  if (failed) log('warn', 'device events not published', { deviceId: d.deviceId, failed })
}

/** Serial numbers of devices still ONLINE whose last reading is older than `silentSince`. */
export async function silentOnlineSerials(db: Database, silentSince: Date) {
  const rows = await db
    .select({ serialNumber: devices.serialNumber })
    .from(devices)
    .where(and(eq(devices.status, 'ONLINE'), lt(devices.lastSeenAt, silentSince)))
  return rows.map((r) => r.serialNumber)
}
