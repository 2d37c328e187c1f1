/** Fixtures shared by the cold-chain tests: a tenant's tree, its staff and its technicians. */
import { customers, customerUsers, technicianCustomers } from '../src/db/schema'
import { seedDevice } from './coldchain-fixtures'
import { seedUser, withDb } from './helpers'

export type Customer = { id: string; name: string; contactEmail: string | null }
export type Location = { id: string; customerId: string; name: string; address: string | null }
export type ColdCell = {
  id: string
  locationId: string
  customerId: string
  name: string
  minTemp: number
  maxTemp: number
  pendingReadings: number
  pendingSeconds: number
  deadband: number
}
export type Device = {
  id: string
  coldCellId: string
  locationId: string
  customerId: string
  serialNumber: string
  keyPrefix: string
  status: string
  lastSeenAt: string | null
  firmwareVersion: string | null
}
export type DeviceWithKey = Device & { apiKey: string }

/** Ids of one customer's tree: a location, a cold cell and a device. */
export type Tree = {
  customerId: string
  locationId: string
  coldCellId: string
  deviceId: string
  serialNumber: string
}

export const serial = () => `T-${crypto.randomUUID().slice(0, 8)}`

/** A customer named `name` with one location, a freezer (-25..-18 °C) and a device. */
export async function seedTree(name = 'Tenant'): Promise<Tree> {
  const [customer] = await withDb((db) => db.insert(customers).values({ name }).returning({ id: customers.id }))
  const { location, cell, device, serialNumber } = await seedDevice({
    customerId: customer!.id,
    minTemp: -25,
    maxTemp: -18,
  })
  return { customerId: customer!.id, locationId: location.id, coldCellId: cell.id, deviceId: device.id, serialNumber }
}

/** A signed-in technician linked to these customers. */
export async function technicianOf(...customerIds: string[]) {
  const tech = await seedUser({ roles: ['technician'] })
  if (customerIds.length)
    await withDb((db) =>
      db
        .insert(technicianCustomers)
        .values(customerIds.map((customerId) => ({ technicianId: tech.user.id, customerId }))),
    )
  return tech
}

/** A signed-in customer-role user belonging to this customer. */
export async function customerUserOf(customerId: string) {
  const member = await seedUser({ roles: ['customer'] })
  await withDb((db) => db.insert(customerUsers).values({ userId: member.user.id, customerId }))
  return member
}

export const admin = () => seedUser({ roles: ['admin'] })
