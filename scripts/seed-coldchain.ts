/**
 * Cold-chain demo data: two customers with their users and a technician linked to both, three
 * locations, four cold cells, four devices with keys, the last 24 h of readings and a few resolved
 * alerts. Idempotent: existing rows are kept, missing readings are topped up.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { and, eq, sql } from 'drizzle-orm'
import type { NodePgDatabase } from 'drizzle-orm/node-postgres'
import * as schema from '../src/db/schema'
import { generateDeviceKey } from '../src/features/devices/device-keys'
import { sha256Hex } from '../src/lib/crypto'
import { DEMO_COLDCHAIN, SLOT_MS, readingsFor, resolvedAlertsFor, type DemoCell } from './seed-coldchain-data'

type Db = NodePgDatabase<typeof schema>
const { customers, customerUsers, technicianCustomers, locations, coldCells, devices, readings, alerts } = schema

export const DEFAULT_KEYS_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '.local', 'device-keys.json')

export type DemoDevice = { serialNumber: string; key: string; customer: string; coldCell: string }

const userId = async (db: Db, email: string) =>
  (await db.select({ id: schema.users.id }).from(schema.users).where(sql`lower(${schema.users.email}) = ${email}`))[0]!
    .id

/** Names are not unique in the schema, so "find by parent and name, else insert" keeps re-runs from duplicating. */
async function findOrInsert<T extends { id: string }>(
  find: () => Promise<T[]>,
  insert: () => Promise<T[]>,
  created: string[],
  label: string,
) {
  const [found] = await find()
  if (found) return found
  created.push(label)
  return (await insert())[0]!
}

function readKeys(file: string): Record<string, string> {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {}
}

/**
 * The device's key from the keys file when it still matches the stored hash. A device missing from
 * the file, or whose key was regenerated through the API since, gets a new key, so the printed
 * keys always work.
 */
async function ensureDevice(
  db: Db,
  cell: DemoCell,
  coldCellId: string,
  keys: Record<string, string>,
  created: string[],
) {
  const [existing] = await db.select().from(devices).where(eq(devices.serialNumber, cell.serial))
  const known = keys[cell.serial]
  if (existing && known && (await sha256Hex(known)) === existing.keyHash) return existing
  const key = await generateDeviceKey()
  keys[cell.serial] = key.key
  if (existing) {
    created.push(`new key for ${cell.serial}`)
    return (
      await db
        .update(devices)
        .set({ keyHash: key.keyHash, keyPrefix: key.keyPrefix })
        .where(eq(devices.id, existing.id))
        .returning()
    )[0]!
  }
  created.push(`device ${cell.serial}`)
  const lastSlot = new Date(Math.floor(Date.now() / SLOT_MS) * SLOT_MS)
  // OFFLINE until it really posts: the sweep only watches ONLINE devices, so no SENSOR_ERROR appears by itself.
  const values = {
    coldCellId,
    serialNumber: cell.serial,
    keyHash: key.keyHash,
    keyPrefix: key.keyPrefix,
    firmwareVersion: cell.firmware,
    lastSeenAt: lastSlot,
  }
  return (await db.insert(devices).values(values).returning())[0]!
}

export async function seedColdChain(
  db: Db,
  opts: { keysFile?: string } = {},
): Promise<{ created: string[]; devices: DemoDevice[] }> {
  const keysFile = opts.keysFile ?? DEFAULT_KEYS_FILE
  const keys = readKeys(keysFile)
  const created: string[] = []
  const demoDevices: DemoDevice[] = []
  const techId = await userId(db, DEMO_COLDCHAIN.technician)
  for (const c of DEMO_COLDCHAIN.customers) {
    const customer = await findOrInsert(
      () => db.select().from(customers).where(eq(customers.name, c.name)),
      () => db.insert(customers).values({ name: c.name, contactEmail: c.contactEmail }).returning(),
      created,
      `customer ${c.name}`,
    )
    // A user attached to another customer meanwhile stays there (one customer per user).
    await db
      .insert(customerUsers)
      .values({ userId: await userId(db, c.user), customerId: customer.id })
      .onConflictDoNothing()
    await db.insert(technicianCustomers).values({ technicianId: techId, customerId: customer.id }).onConflictDoNothing()
    for (const l of c.locations) {
      const location = await findOrInsert(
        () =>
          db
            .select()
            .from(locations)
            .where(and(eq(locations.customerId, customer.id), eq(locations.name, l.name))),
        () => db.insert(locations).values({ customerId: customer.id, name: l.name, address: l.address }).returning(),
        created,
        `location ${l.name}`,
      )
      for (const cell of l.cells) {
        const row = await findOrInsert(
          () =>
            db
              .select()
              .from(coldCells)
              .where(and(eq(coldCells.locationId, location.id), eq(coldCells.name, cell.name))),
          () =>
            db
              .insert(coldCells)
              .values({
                locationId: location.id,
                name: cell.name,
                minTemp: cell.minTemp,
                maxTemp: cell.maxTemp,
                pendingReadings: cell.pendingReadings ?? 1,
              })
              .returning(),
          created,
          `cold cell ${cell.name}`,
        )
        const device = await ensureDevice(db, cell, row.id, keys, created)
        demoDevices.push({ serialNumber: cell.serial, key: keys[cell.serial]!, customer: c.name, coldCell: cell.name })
        await seedHistory(
          db,
          cell,
          { deviceId: device.id, coldCellId: device.coldCellId, customerId: customer.id, technicianId: techId },
          created,
        )
      }
    }
  }
  mkdirSync(dirname(keysFile), { recursive: true })
  writeFileSync(keysFile, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 })
  return { created, devices: demoDevices }
}

type Ids = { deviceId: string; coldCellId: string; customerId: string; technicianId: string }

/** Tops up the last 24 h of readings (UNIQUE (device, recorded_at) skips the slots already there); alerts only once per device. */
async function seedHistory(db: Db, cell: DemoCell, ids: Ids, created: string[]) {
  const rows = readingsFor(cell, Date.now()).map((r) => ({ ...r, deviceId: ids.deviceId, coldCellId: ids.coldCellId }))
  let added = 0
  for (let i = 0; i < rows.length; i += 500) {
    added += (
      await db
        .insert(readings)
        .values(rows.slice(i, i + 500))
        .onConflictDoNothing()
        .returning({ id: readings.id })
    ).length
  }
  if (added) created.push(`${added} readings for ${cell.serial}`)
  const [has] = await db.select({ id: alerts.id }).from(alerts).where(eq(alerts.deviceId, ids.deviceId)).limit(1)
  const demo = resolvedAlertsFor(cell, Date.now(), ids)
  if (has || !demo.length) return
  await db
    .insert(alerts)
    .values(demo.map((a) => ({ ...a, deviceId: ids.deviceId, coldCellId: ids.coldCellId, customerId: ids.customerId })))
  created.push(`${demo.length} resolved alert(s) for ${cell.serial}`)
}
