import { and, count, desc, eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { coldCells, locations } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import type { Principal } from '../../lib/types'
import { assertCanManage, assertInScope, scopeFilter, scopeOf } from '../coldchain/scope.service'
import { visibleLocation } from '../locations/locations.service'
import {
  ColdCellSchema,
  type ColdCellListQuery,
  type CreateColdCellInput,
  type UpdateColdCellInput,
} from './coldcells.schemas'

type Caller = Pick<Principal, 'id' | 'roles'>

const withCustomer = { cell: coldCells, customerId: locations.customerId }

function assertThresholds(minTemp: number, maxTemp: number) {
  if (!(minTemp < maxTemp))
    throw ApiError.validation({ 'json.maxTemp': `must be greater than minTemp (${minTemp} °C)` })
}

/** The cold cell and its customer when that customer is in the caller's scope; 404 otherwise. */
export async function visibleColdCell(db: Database, user: Caller, id: string) {
  const [row] = await db
    .select(withCustomer)
    .from(coldCells)
    .innerJoin(locations, eq(locations.id, coldCells.locationId))
    .where(eq(coldCells.id, id))
  assertInScope(await scopeOf(db, user), row?.customerId, 'Cold cell')
  return row!
}

export async function createColdCell(db: Database, user: Caller, input: CreateColdCellInput) {
  const location = await visibleLocation(db, user, input.locationId)
  assertCanManage(user)
  assertThresholds(input.minTemp, input.maxTemp)
  const [row] = await db.insert(coldCells).values(input).returning()
  return ColdCellSchema.decode({ ...row!, customerId: location.customerId })
}

export async function listColdCells(db: Database, user: Caller, q: ColdCellListQuery) {
  const scope = await scopeOf(db, user)
  const where = and(
    scopeFilter(scope, locations.customerId),
    q.locationId ? eq(coldCells.locationId, q.locationId) : undefined,
    q.customerId ? eq(locations.customerId, q.customerId) : undefined,
  )
  const rows = await db
    .select({ ...withCustomer, total: totalRows })
    .from(coldCells)
    .innerJoin(locations, eq(locations.id, coldCells.locationId))
    .where(where)
    .orderBy(desc(coldCells.createdAt), desc(coldCells.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  const countAll = async () =>
    (
      await db
        .select({ n: count() })
        .from(coldCells)
        .innerJoin(locations, eq(locations.id, coldCells.locationId))
        .where(where)
    )[0]?.n ?? 0
  return toPage(rows, q, (r) => ColdCellSchema.decode({ ...r.cell, customerId: r.customerId }), countAll)
}

/**
 * Thresholds are checked against the stored values for the fields left out. A cell may move to
 * another location of the same customer only: its readings history must not change tenant.
 */
export async function updateColdCell(db: Database, user: Caller, id: string, patch: UpdateColdCellInput) {
  const { cell, customerId } = await visibleColdCell(db, user, id)
  assertCanManage(user)
  if (patch.locationId !== undefined && patch.locationId !== cell.locationId) {
    const target = await visibleLocation(db, user, patch.locationId)
    if (target.customerId !== customerId)
      throw ApiError.validation({ 'json.locationId': 'a cold cell cannot move to another customer' })
  }
  assertThresholds(patch.minTemp ?? cell.minTemp, patch.maxTemp ?? cell.maxTemp)
  const [row] = await db.update(coldCells).set(patch).where(eq(coldCells.id, id)).returning()
  if (!row) throw ApiError.notFound('Cold cell')
  return ColdCellSchema.decode({ ...row, customerId })
}

/** Deletes the cell and, by cascade, its devices, readings and alerts. */
export async function deleteColdCell(db: Database, user: Caller, id: string) {
  await visibleColdCell(db, user, id)
  assertCanManage(user)
  const [row] = await db.delete(coldCells).where(eq(coldCells.id, id)).returning({ id: coldCells.id })
  if (!row) throw ApiError.notFound('Cold cell')
}
