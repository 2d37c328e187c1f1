/** Cold-chain fixtures straight into Postgres: a customer's tree with one device and its key. */
import { coldCells, customers, customerUsers, devices, locations, technicianCustomers } from '../src/db/schema'
import { generateDeviceKey } from '../src/features/devices/device-keys'
import { api, withDb } from './helpers'

export type CellOptions = {
  minTemp?: number
  maxTemp?: number
  pendingReadings?: number
  pendingSeconds?: number
  deadband?: number
}

export async function seedDevice(
  opts: CellOptions & { customerId?: string; users?: string[]; technicians?: string[] } = {},
) {
  const { key, keyHash, keyPrefix } = await generateDeviceKey()
  return withDb(async (db) => {
    const customerId = opts.customerId ?? (await db.insert(customers).values({ name: 'Test Foods' }).returning())[0]!.id
    for (const userId of opts.users ?? []) await db.insert(customerUsers).values({ userId, customerId })
    for (const technicianId of opts.technicians ?? [])
      await db.insert(technicianCustomers).values({ technicianId, customerId })
    const [location] = await db.insert(locations).values({ customerId, name: 'Warehouse' }).returning()
    const [cell] = await db
      .insert(coldCells)
      .values({
        locationId: location!.id,
        name: 'Chiller 1',
        minTemp: opts.minTemp ?? 0,
        maxTemp: opts.maxTemp ?? 4,
        pendingReadings: opts.pendingReadings ?? 1,
        pendingSeconds: opts.pendingSeconds ?? 0,
        deadband: opts.deadband ?? 0.5,
      })
      .returning()
    const serialNumber = `SN-${crypto.randomUUID().slice(0, 8)}`
    const [device] = await db
      .insert(devices)
      .values({ coldCellId: cell!.id, serialNumber, keyHash, keyPrefix })
      .returning()
    return { customerId, location: location!, cell: cell!, device: device!, key, serialNumber }
  })
}

let clock = Date.parse('2026-11-22T00:00:00Z')
/** A device time one minute after the previous one, so each reading is distinct. */
export const tick = () => new Date((clock += 60_000)).toISOString()

export const post = (serial: string, key: string | undefined, body: unknown) =>
  api<{ accepted: number; stored: number; alerts: { kind: string; id: string; type: string }[] }>(
    `/api/v1/readings/devices/${serial}/readings`,
    {
      method: 'POST',
      json: body,
      headers: key === undefined ? {} : { 'x-device-key': key },
    },
  )

export const reading = (temperature: number, extra: Record<string, unknown> = {}) => ({
  temperature,
  powerStatus: true,
  recordedAt: tick(),
  ...extra,
})
