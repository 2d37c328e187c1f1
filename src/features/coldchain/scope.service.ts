import { eq, inArray, sql, type Column, type SQL } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { coldCells, customerUsers, devices, locations, technicianCustomers } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import type { Principal } from '../../lib/types'

/** The customers a caller may see: every one (admins), or a list (technicians' links, a customer's own). */
export type Scope = { all: true } | { all: false; customerIds: string[] }

/**
 * Admins see all; technicians the customers linked to them; customer users their own customer.
 * A user with several of these roles sees the union.
 */
export async function scopeOf(db: Database, user: Pick<Principal, 'id' | 'roles'>): Promise<Scope> {
  if (user.roles.includes('admin')) return { all: true }
  const ids = new Set<string>()
  if (user.roles.includes('technician')) {
    for (const r of await db
      .select({ id: technicianCustomers.customerId })
      .from(technicianCustomers)
      .where(eq(technicianCustomers.technicianId, user.id)))
      ids.add(r.id)
  }
  if (user.roles.includes('customer')) {
    for (const r of await db
      .select({ id: customerUsers.customerId })
      .from(customerUsers)
      .where(eq(customerUsers.userId, user.id)))
      ids.add(r.id)
  }
  return { all: false, customerIds: [...ids] }
}

/** A WHERE condition restricting `customerIdColumn` to the scope (undefined for admins). */
export function scopeFilter(scope: Scope, customerIdColumn: Column | SQL): SQL | undefined {
  if (scope.all) return undefined
  return scope.customerIds.length ? inArray(customerIdColumn as Column, scope.customerIds) : sql`false`
}

/**
 * The scope as a WHERE condition computed by Postgres itself (no round trip of its own), for
 * queries that must filter before their LIMIT, such as search.
 */
export function scopeCondition(user: Pick<Principal, 'id' | 'roles'>, customerIdColumn: Column | SQL): SQL {
  if (user.roles.includes('admin')) return sql`true`
  const parts: SQL[] = []
  if (user.roles.includes('technician'))
    parts.push(
      sql`${customerIdColumn} in (select ${technicianCustomers.customerId} from ${technicianCustomers} where ${technicianCustomers.technicianId} = ${user.id})`,
    )
  if (user.roles.includes('customer'))
    parts.push(
      sql`${customerIdColumn} in (select ${customerUsers.customerId} from ${customerUsers} where ${customerUsers.userId} = ${user.id})`,
    )
  return parts.length ? sql`(${sql.join(parts, sql` or `)})` : sql`false`
}

export const inScope = (scope: Scope, customerId: string | null | undefined) =>
  customerId != null && (scope.all || scope.customerIds.includes(customerId))

/** 404 unless `customerId` is in scope: another tenant's ids reveal nothing. */
export function assertInScope(scope: Scope, customerId: string | null | undefined, what: string) {
  if (!inScope(scope, customerId)) throw ApiError.notFound(what)
}

/** Admins and technicians manage the tree (within their scope); customer users only read it. */
export function assertCanManage(user: Pick<Principal, 'roles'>) {
  if (!user.roles.includes('admin') && !user.roles.includes('technician'))
    throw ApiError.forbidden('Only admins and technicians change cold-chain data')
}

/** The customer owning a location, cold cell or device (undefined when the id does not exist). */
export async function customerOf(
  db: Database,
  kind: 'location' | 'coldCell' | 'device',
  id: string,
): Promise<string | undefined> {
  if (kind === 'location')
    return (await db.select({ c: locations.customerId }).from(locations).where(eq(locations.id, id)))[0]?.c
  if (kind === 'coldCell') {
    return (
      await db
        .select({ c: locations.customerId })
        .from(coldCells)
        .innerJoin(locations, eq(locations.id, coldCells.locationId))
        .where(eq(coldCells.id, id))
    )[0]?.c
  }
  return (
    await db
      .select({ c: locations.customerId })
      .from(devices)
      .innerJoin(coldCells, eq(coldCells.id, devices.coldCellId))
      .innerJoin(locations, eq(locations.id, coldCells.locationId))
      .where(eq(devices.id, id))
  )[0]?.c
}
