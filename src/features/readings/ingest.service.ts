import { eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { coldCells, devices, locations } from '../../db/schema'
import { sha256Hex, timingSafeEqual } from '../../lib/crypto'
import { ApiError } from '../../lib/errors'
import type { DeviceContext } from '../alerts/alerts.store'
import type { NormalizedReading } from './readings.store'
import type { ReadingInput } from './readings.schemas'

/**
 * The device behind `serialNumber` with its cold cell's rules, when `key` is that device's key.
 * Unknown serial, wrong key and another device's key all answer the same 401, after the same work.
 */
export async function authenticateIngest(db: Database, serialNumber: string, key: string | undefined): Promise<DeviceContext> {
  const [row] = await db
    .select({ device: devices, cell: coldCells, customerId: locations.customerId })
    .from(devices)
    .innerJoin(coldCells, eq(coldCells.id, devices.coldCellId))
    .innerJoin(locations, eq(locations.id, coldCells.locationId))
    .where(eq(devices.serialNumber, serialNumber))
  const hash = await sha256Hex(key ?? '')
  if (!key || !row || !timingSafeEqual(hash, row.device.keyHash)) throw ApiError.unauthorized('Missing or invalid x-device-key for this device', 'INVALID_TOKEN')
  const { cell } = row
  return {
    deviceId: row.device.id,
    serialNumber,
    coldCellId: cell.id,
    coldCellName: cell.name,
    customerId: row.customerId,
    rules: { minTemp: cell.minTemp, maxTemp: cell.maxTemp, pendingReadings: cell.pendingReadings, pendingSeconds: cell.pendingSeconds, deadband: cell.deadband },
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

/** Hands the batch to the device's own DeviceMonitor, which stores it and runs the alert engine. */
export async function ingest(monitors: DurableObjectNamespace<import('../../index').DeviceMonitor>, device: DeviceContext, batch: NormalizedReading[]) {
  return monitors.get(monitors.idFromName(device.deviceId)).ingest(device, batch)
}
