import { and, count, desc, eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { isUniqueViolation } from '../../db/errors'
import { coldCells, devices, locations } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import type { Principal } from '../../lib/types'
import { assertCanManage, assertInScope, scopeFilter, scopeOf } from '../coldchain/scope.service'
import { visibleColdCell } from '../coldcells/coldcells.service'
import { generateDeviceKey } from './device-keys'
import {
  DeviceSchema,
  DeviceWithKeySchema,
  type CreateDeviceInput,
  type DeviceListQuery,
  type UpdateDeviceInput,
} from './devices.schemas'

type Caller = Pick<Principal, 'id' | 'roles'>
type Parents = { locationId: string; customerId: string }

const withParents = { device: devices, locationId: coldCells.locationId, customerId: locations.customerId }

/** The device and its parents when its customer is in the caller's scope; 404 otherwise. */
export async function visibleDevice(db: Database, user: Caller, id: string) {
  const [row] = await db
    .select(withParents)
    .from(devices)
    .innerJoin(coldCells, eq(coldCells.id, devices.coldCellId))
    .innerJoin(locations, eq(locations.id, coldCells.locationId))
    .where(eq(devices.id, id))
  assertInScope(await scopeOf(db, user), row?.customerId, 'Device')
  return row!
}

/** Serial numbers are global (they name the device on the ingest route), so a duplicate is a 409 whoever owns it. */
export async function createDevice(db: Database, user: Caller, input: CreateDeviceInput) {
  const { cell, customerId } = await visibleColdCell(db, user, input.coldCellId)
  assertCanManage(user)
  const key = await generateDeviceKey()
  try {
    const [row] = await db
      .insert(devices)
      .values({
        coldCellId: cell.id,
        serialNumber: input.serialNumber,
        firmwareVersion: input.firmwareVersion ?? null,
        keyHash: key.keyHash,
        keyPrefix: key.keyPrefix,
      })
      .returning()
    return DeviceWithKeySchema.decode({ ...row!, locationId: cell.locationId, customerId, apiKey: key.key })
  } catch (err) {
    if (isUniqueViolation(err))
      throw ApiError.conflict('A device with this serial number already exists', { serialNumber: input.serialNumber })
    throw err
  }
}

export async function listDevices(db: Database, user: Caller, q: DeviceListQuery) {
  const scope = await scopeOf(db, user)
  const where = and(
    scopeFilter(scope, locations.customerId),
    q.coldCellId ? eq(devices.coldCellId, q.coldCellId) : undefined,
    q.customerId ? eq(locations.customerId, q.customerId) : undefined,
    q.status ? eq(devices.status, q.status) : undefined,
  )
  const rows = await db
    .select({ ...withParents, total: totalRows })
    .from(devices)
    .innerJoin(coldCells, eq(coldCells.id, devices.coldCellId))
    .innerJoin(locations, eq(locations.id, coldCells.locationId))
    .where(where)
    .orderBy(desc(devices.createdAt), desc(devices.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  const countAll = async () =>
    (
      await db
        .select({ n: count() })
        .from(devices)
        .innerJoin(coldCells, eq(coldCells.id, devices.coldCellId))
        .innerJoin(locations, eq(locations.id, coldCells.locationId))
        .where(where)
    )[0]?.n ?? 0
  return toPage(
    rows,
    q,
    (r) => DeviceSchema.decode({ ...r.device, locationId: r.locationId, customerId: r.customerId }),
    countAll,
  )
}

/** A device may move to any cold cell in the caller's scope; its past readings stay with the old cell. */
export async function updateDevice(db: Database, user: Caller, id: string, patch: UpdateDeviceInput) {
  const current = await visibleDevice(db, user, id)
  assertCanManage(user)
  let parents: Parents = current
  if (patch.coldCellId !== undefined && patch.coldCellId !== current.device.coldCellId) {
    const target = await visibleColdCell(db, user, patch.coldCellId)
    parents = { locationId: target.cell.locationId, customerId: target.customerId }
  }
  const [row] = await db
    .update(devices)
    .set({ coldCellId: patch.coldCellId, firmwareVersion: patch.firmwareVersion })
    .where(eq(devices.id, id))
    .returning()
  if (!row) throw ApiError.notFound('Device')
  return DeviceSchema.decode({ ...row, locationId: parents.locationId, customerId: parents.customerId })
}

/** Replaces the key: the old one fails on the very next ingest, since only the new hash is stored. */
export async function regenerateKey(db: Database, user: Caller, id: string) {
  const current = await visibleDevice(db, user, id)
  assertCanManage(user)
  const key = await generateDeviceKey()
  const [row] = await db
    .update(devices)
    .set({ keyHash: key.keyHash, keyPrefix: key.keyPrefix })
    .where(eq(devices.id, id))
    .returning()
  if (!row) throw ApiError.notFound('Device')
  return DeviceWithKeySchema.decode({
    ...row,
    locationId: current.locationId,
    customerId: current.customerId,
    apiKey: key.key,
  })
}

export async function deleteDevice(db: Database, user: Caller, id: string) {
  await visibleDevice(db, user, id)
  assertCanManage(user)
  const [row] = await db.delete(devices).where(eq(devices.id, id)).returning({ serialNumber: devices.serialNumber })
  if (!row) throw ApiError.notFound('Device')
  return row
}
