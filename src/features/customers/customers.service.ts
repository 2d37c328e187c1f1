import { and, desc, eq, ilike } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { customers, customerUsers, technicianCustomers, users } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import type { Principal } from '../../lib/types'
import { accessOf } from '../rbac/access.service'
import { assertCanManage, assertInScope, scopeFilter, scopeOf } from '../coldchain/scope.service'
import {
  CustomerSchema,
  type CreateCustomerInput,
  type CustomerListQuery,
  type UpdateCustomerInput,
} from './customers.schemas'

type Caller = Pick<Principal, 'id' | 'roles'>

/** Tenants and who belongs to them are an administrator's decision, not a technician's. */
function assertAdmin(user: Caller) {
  if (!user.roles.includes('admin'))
    throw ApiError.forbidden('Only admins create or delete customers and manage their members')
}

/** The customer when the caller's scope includes it; 404 otherwise, so other tenants stay invisible. */
export async function visibleCustomer(db: Database, user: Caller, id: string) {
  assertInScope(await scopeOf(db, user), id, 'Customer')
  const [row] = await db.select().from(customers).where(eq(customers.id, id))
  if (!row) throw ApiError.notFound('Customer')
  return row
}

export async function createCustomer(db: Database, user: Caller, input: CreateCustomerInput) {
  assertAdmin(user)
  const [row] = await db
    .insert(customers)
    .values({ name: input.name, contactEmail: input.contactEmail ?? null })
    .returning()
  return CustomerSchema.decode(row!)
}

export async function listCustomers(db: Database, user: Caller, q: CustomerListQuery) {
  const scope = await scopeOf(db, user)
  const like = (s: string) => `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`
  const where = and(scopeFilter(scope, customers.id), q.name ? ilike(customers.name, like(q.name)) : undefined)
  const rows = await db
    .select({ c: customers, total: totalRows })
    .from(customers)
    .where(where)
    .orderBy(desc(customers.createdAt), desc(customers.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => CustomerSchema.decode(r.c),
    () => db.$count(customers, where),
  )
}

export async function updateCustomer(db: Database, user: Caller, id: string, patch: UpdateCustomerInput) {
  await visibleCustomer(db, user, id)
  assertCanManage(user)
  const [row] = await db
    .update(customers)
    .set({ name: patch.name, contactEmail: patch.contactEmail })
    .where(eq(customers.id, id))
    .returning()
  if (!row) throw ApiError.notFound('Customer')
  return CustomerSchema.decode(row)
}

/**
 * Deletes the customer and, by cascade, its locations, cold cells, devices, readings, alerts and
 * links; returns who was linked to it (their live channels are re-checked).
 */
export async function deleteCustomer(db: Database, user: Caller, id: string) {
  await visibleCustomer(db, user, id)
  assertAdmin(user)
  const linked = await db
    .select({ id: technicianCustomers.technicianId })
    .from(technicianCustomers)
    .where(eq(technicianCustomers.customerId, id))
    .union(db.select({ id: customerUsers.userId }).from(customerUsers).where(eq(customerUsers.customerId, id)))
  const [row] = await db.delete(customers).where(eq(customers.id, id)).returning({ id: customers.id })
  if (!row) throw ApiError.notFound('Customer')
  return { linkedUserIds: linked.map((r) => r.id) }
}

/** 404 for an unknown user; 422 when the user lacks the role the link requires. */
async function assertHasRole(db: Database, userId: string, role: 'technician' | 'customer') {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId))
  if (!row) throw ApiError.notFound('User')
  if (!(await accessOf(db, userId)).roles.includes(role))
    throw ApiError.validation({ 'json.userId': `the user does not have the ${role} role` })
}

/** Idempotent: `created` is false when the technician was already linked (the route answers 200, not 201). */
export async function linkTechnician(db: Database, user: Caller, customerId: string, technicianId: string) {
  await visibleCustomer(db, user, customerId)
  assertAdmin(user)
  await assertHasRole(db, technicianId, 'technician')
  const inserted = await db
    .insert(technicianCustomers)
    .values({ technicianId, customerId })
    .onConflictDoNothing()
    .returning({ id: technicianCustomers.technicianId })
  return { link: { customerId, userId: technicianId, kind: 'technician' as const }, created: inserted.length > 0 }
}

export async function unlinkTechnician(db: Database, user: Caller, customerId: string, technicianId: string) {
  await visibleCustomer(db, user, customerId)
  assertAdmin(user)
  const deleted = await db
    .delete(technicianCustomers)
    .where(and(eq(technicianCustomers.customerId, customerId), eq(technicianCustomers.technicianId, technicianId)))
    .returning({ id: technicianCustomers.technicianId })
  if (!deleted.length) throw ApiError.notFound('Technician link')
}

/**
 * Attaches a customer-role user to this customer. A user belongs to one customer (the table's
 * primary key), so attaching it to a second one is a 409; attaching it again here is a 200.
 */
export async function attachUser(db: Database, user: Caller, customerId: string, userId: string) {
  await visibleCustomer(db, user, customerId)
  assertAdmin(user)
  await assertHasRole(db, userId, 'customer')
  const inserted = await db
    .insert(customerUsers)
    .values({ userId, customerId })
    .onConflictDoNothing()
    .returning({ id: customerUsers.userId })
  if (!inserted.length) {
    const [current] = await db
      .select({ customerId: customerUsers.customerId })
      .from(customerUsers)
      .where(eq(customerUsers.userId, userId))
    // Detached between the insert and this read: a retry sees a clean slate.
    if (!current) throw ApiError.conflict('The user was detached concurrently; retry')
    if (current.customerId !== customerId)
      throw ApiError.conflict('The user already belongs to another customer; detach it there first')
  }
  return { link: { customerId, userId, kind: 'user' as const }, created: inserted.length > 0 }
}

export async function detachUser(db: Database, user: Caller, customerId: string, userId: string) {
  await visibleCustomer(db, user, customerId)
  assertAdmin(user)
  const deleted = await db
    .delete(customerUsers)
    .where(and(eq(customerUsers.customerId, customerId), eq(customerUsers.userId, userId)))
    .returning({ id: customerUsers.userId })
  if (!deleted.length) throw ApiError.notFound('Customer user')
}
