import { eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { coldCells, devices, locations } from '../../db/schema'
import type { Config } from '../../env'
import type { DeviceContext } from '../alerts/alerts.store'
import type { NormalizedReading } from './readings.store'
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
