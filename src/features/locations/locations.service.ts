import { and, desc, eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { locations } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import type { Principal } from '../../lib/types'
import { assertCanManage, assertInScope, scopeFilter, scopeOf } from '../coldchain/scope.service'
import { visibleCustomer } from '../customers/customers.service'
import {
  LocationSchema,
  type CreateLocationInput,
  type LocationListQuery,
  type UpdateLocationInput,
} from './locations.schemas'

type Caller = Pick<Principal, 'id' | 'roles'>

/** The location when its customer is in the caller's scope; 404 otherwise. */
export async function visibleLocation(db: Database, user: Caller, id: string) {
  const [row] = await db.select().from(locations).where(eq(locations.id, id))
  assertInScope(await scopeOf(db, user), row?.customerId, 'Location')
  return row!
}

export async function createLocation(db: Database, user: Caller, input: CreateLocationInput) {
  // Scope before role: a customer id outside the caller's scope is a 404, even for a reader.
  await visibleCustomer(db, user, input.customerId)
  assertCanManage(user)
  const [row] = await db
    .insert(locations)
    .values({ customerId: input.customerId, name: input.name, address: input.address ?? null })
    .returning()
  return LocationSchema.decode(row!)
}

export async function listLocations(db: Database, user: Caller, q: LocationListQuery) {
  const scope = await scopeOf(db, user)
  const where = and(
    scopeFilter(scope, locations.customerId),
    q.customerId ? eq(locations.customerId, q.customerId) : undefined,
  )
  const rows = await db
    .select({ l: locations, total: totalRows })
    .from(locations)
    .where(where)
    .orderBy(desc(locations.createdAt), desc(locations.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => LocationSchema.decode(r.l),
    () => db.$count(locations, where),
  )
}

/**
 * A location stays with its customer: moving it would hand the readings and alert history of one
 * tenant to another. `customerId` is accepted (full-object PUTs) only when unchanged.
 */
export async function updateLocation(db: Database, user: Caller, id: string, patch: UpdateLocationInput) {
  const current = await visibleLocation(db, user, id)
  assertCanManage(user)
  if (patch.customerId !== undefined && patch.customerId !== current.customerId) {
    throw ApiError.validation({ 'json.customerId': 'a location cannot move to another customer' })
  }
  const [row] = await db
    .update(locations)
    .set({ name: patch.name, address: patch.address })
    .where(eq(locations.id, id))
    .returning()
  if (!row) throw ApiError.notFound('Location')
  return LocationSchema.decode(row)
}

/** Deletes the location and, by cascade, its cold cells, devices, readings and alerts. */
export async function deleteLocation(db: Database, user: Caller, id: string) {
  await visibleLocation(db, user, id)
  assertCanManage(user)
  const [row] = await db.delete(locations).where(eq(locations.id, id)).returning({ id: locations.id })
  if (!row) throw ApiError.notFound('Location')
}
