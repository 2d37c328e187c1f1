import { and, asc, count, eq, ne, sql } from 'drizzle-orm'
import type { Database, PoolDatabase, Tx } from '../../db/client'
import { permissions, rolePermissions, roles, userRoles, users, type Permission } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import { isUniqueViolation } from '../../db/errors'
import { accessOf, bumpRbacEpoch } from './access.service'
import { PermissionSchema, RoleSchema } from './rbac.schemas'

const permsOfRole = sql<string[]>`coalesce((
  select array_agg(p.resource || ':' || p.action order by p.resource, p.action)
  from ${rolePermissions} rp join ${permissions} p on p.id = rp.permission_id where rp.role_id = "roles"."id"
), '{}')`

/** `key` is computed; the table stores its two parts. */
const permOut = (p: Permission) => PermissionSchema.decode({ ...p, key: `${p.resource}:${p.action}` })

async function unique<T>(what: string, fn: () => Promise<T>) {
  try {
    return await fn()
  } catch (err) {
    if (isUniqueViolation(err)) throw ApiError.conflict(`${what} already exists`)
    throw err
  }
}

export async function listRoles(db: Database) {
  const rows = await db
    .select({ ...getRoleColumns(), permissions: permsOfRole })
    .from(roles)
    .orderBy(asc(roles.name))
  return rows.map((r) => RoleSchema.decode(r))
}

function getRoleColumns() {
  return {
    id: roles.id,
    name: roles.name,
    description: roles.description,
    isSystem: roles.isSystem,
    createdAt: roles.createdAt,
  }
}

export async function getRole(db: Database, id: string) {
  const [row] = await db
    .select({ ...getRoleColumns(), permissions: permsOfRole })
    .from(roles)
    .where(eq(roles.id, id))
  if (!row) throw ApiError.notFound('Role')
  return RoleSchema.decode(row)
}

export async function createRole(db: Database, input: { name: string; description: string }) {
  const [row] = await unique('A role with this name', () => db.insert(roles).values(input).returning({ id: roles.id }))
  return getRole(db, row!.id)
}

export async function updateRole(db: Database, id: string, patch: { name?: string; description?: string }) {
  const role = await getRole(db, id)
  if (role.isSystem && patch.name !== undefined && patch.name !== role.name)
    throw ApiError.conflict('Default roles cannot be renamed')
  await unique('A role with this name', () => db.update(roles).set(patch).where(eq(roles.id, id)))
  await bumpRbacEpoch(db)
  return getRole(db, id)
}

export async function deleteRole(db: Database, id: string) {
  const role = await getRole(db, id)
  if (role.isSystem) throw ApiError.conflict('Default roles cannot be deleted')
  await db.delete(roles).where(eq(roles.id, id))
  await bumpRbacEpoch(db)
}

export async function listPermissions(db: Database) {
  return (await db.select().from(permissions).orderBy(asc(permissions.resource), asc(permissions.action))).map(permOut)
}

export async function getPermission(db: Database, id: string) {
  const [row] = await db.select().from(permissions).where(eq(permissions.id, id))
  if (!row) throw ApiError.notFound('Permission')
  return permOut(row)
}

export async function createPermission(db: Database, input: { resource: string; action: string; description: string }) {
  const [row] = await unique('This permission', () => db.insert(permissions).values(input).returning())
  return permOut(row!)
}

/** The `*:*` permission is what makes admins admins; losing it would lock everyone out of RBAC. */
async function assertNotSuperPermission(db: Database, id: string) {
  const p = await getPermission(db, id)
  if (p.resource === '*' && p.action === '*') throw ApiError.conflict('The *:* permission cannot be changed or deleted')
}

export async function updatePermission(
  db: Database,
  id: string,
  patch: { resource?: string; action?: string; description?: string },
) {
  await assertNotSuperPermission(db, id)
  const [row] = await unique('This permission', () =>
    db.update(permissions).set(patch).where(eq(permissions.id, id)).returning(),
  )
  if (!row) throw ApiError.notFound('Permission')
  await bumpRbacEpoch(db)
  return permOut(row)
}

export async function deletePermission(db: Database, id: string) {
  await assertNotSuperPermission(db, id)
  const [row] = await db.delete(permissions).where(eq(permissions.id, id)).returning({ id: permissions.id })
  if (!row) throw ApiError.notFound('Permission')
  await bumpRbacEpoch(db)
}

async function assertUser(db: Database, userId: string) {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId))
  if (!row) throw ApiError.notFound('User')
}

export async function rolesOfUser(db: Database, userId: string) {
  await assertUser(db, userId)
  const rows = await db
    .select({ ...getRoleColumns(), permissions: permsOfRole })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(eq(userRoles.userId, userId))
    .orderBy(asc(roles.name))
  return rows.map((r) => RoleSchema.decode(r))
}

/**
 * Runs `change` in a transaction that first locks the admin role's row, so every change that can
 * take the admin role away is serialised. It refuses (409) when `userId` losing `roleId` (or every
 * role, when omitted) would leave no administrator: two admins demoting each other at the same
 * moment cannot both succeed.
 */
export async function keepingAnAdmin<T>(
  db: PoolDatabase,
  userId: string,
  roleId: string | undefined,
  change: (tx: Tx) => Promise<T>,
) {
  return db.transaction(async (tx) => {
    const locked = await tx.execute<{ id: string }>(sql`select id from ${roles} where name = 'admin' for update`)
    const adminId = locked.rows[0]?.id
    if (adminId && (roleId === undefined || roleId === adminId)) {
      const [holds] = await tx
        .select({ n: count() })
        .from(userRoles)
        .where(and(eq(userRoles.userId, userId), eq(userRoles.roleId, adminId)))
      const [others] = await tx
        .select({ n: count() })
        .from(userRoles)
        .where(and(eq(userRoles.roleId, adminId), ne(userRoles.userId, userId)))
      if (holds?.n && !others?.n) throw ApiError.conflict('This would leave no administrator')
    }
    return change(tx)
  })
}

export async function assignRole(db: Database, userId: string, roleId: string) {
  await assertUser(db, userId)
  await getRole(db, roleId)
  const inserted = await db
    .insert(userRoles)
    .values({ userId, roleId })
    .onConflictDoNothing()
    .returning({ roleId: userRoles.roleId })
  await bumpRbacEpoch(db)
  return inserted.length > 0
}

export async function unassignRole(db: PoolDatabase, userId: string, roleId: string) {
  await assertUser(db, userId)
  await keepingAnAdmin(db, userId, roleId, async (tx) => {
    const [row] = await tx
      .delete(userRoles)
      .where(and(eq(userRoles.userId, userId), eq(userRoles.roleId, roleId)))
      .returning({ roleId: userRoles.roleId })
    if (!row) throw ApiError.notFound('Role assignment')
  })
  await bumpRbacEpoch(db)
}

/** Replaces every role of a user with one (admin "set role"). */
export async function setOnlyRole(db: PoolDatabase, userId: string, roleName: string) {
  await assertUser(db, userId)
  const [role] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, roleName))
  if (!role) throw ApiError.validation({ 'json.role': `unknown role: ${roleName}` })
  const replace = async (tx: Tx) => {
    await tx.delete(userRoles).where(and(eq(userRoles.userId, userId), ne(userRoles.roleId, role.id)))
    await tx.insert(userRoles).values({ userId, roleId: role.id }).onConflictDoNothing()
  }
  // Becoming (only) admin never takes admin away; any other role may.
  if (roleName === 'admin') await db.transaction(replace)
  else await keepingAnAdmin(db, userId, undefined, replace)
  await bumpRbacEpoch(db)
}

export async function grantPermission(db: Database, roleId: string, permissionId: string) {
  await getRole(db, roleId)
  await getPermission(db, permissionId)
  const inserted = await db
    .insert(rolePermissions)
    .values({ roleId, permissionId })
    .onConflictDoNothing()
    .returning({ roleId: rolePermissions.roleId })
  await bumpRbacEpoch(db)
  return inserted.length > 0
}

export async function revokePermission(db: Database, roleId: string, permissionId: string) {
  const [role, permission] = await Promise.all([getRole(db, roleId), getPermission(db, permissionId)])
  if (role.name === 'admin' && permission.key === '*:*') throw ApiError.conflict('The admin role cannot lose *:*')
  const [row] = await db
    .delete(rolePermissions)
    .where(and(eq(rolePermissions.roleId, roleId), eq(rolePermissions.permissionId, permissionId)))
    .returning({ roleId: rolePermissions.roleId })
  if (!row) throw ApiError.notFound('Role permission')
  await bumpRbacEpoch(db)
}

export async function accessOfUser(db: Database, userId: string) {
  await assertUser(db, userId)
  return accessOf(db, userId)
}
