import { ok } from '../../lib/envelope'
import { grantFor } from '../../lib/permissions'
import type { Handler } from '../../lib/types'
import { recheckChannelAccess } from '../realtime/connections.service'
import type * as r from './rbac.routes'
import * as rbac from './rbac.service'

export const listRoles: Handler<typeof r.listRoles> = async (c) => ok(c, await rbac.listRoles(c.get('db')))
export const createRole: Handler<typeof r.createRole> = async (c) =>
  ok(c, await rbac.createRole(c.get('db'), c.req.valid('json')), 201)
export const getRole: Handler<typeof r.getRole> = async (c) =>
  ok(c, await rbac.getRole(c.get('db'), c.req.valid('param').id))
export const updateRole: Handler<typeof r.updateRole> = async (c) =>
  ok(c, await rbac.updateRole(c.get('db'), c.req.valid('param').id, c.req.valid('json')))
export const deleteRole: Handler<typeof r.deleteRole> = async (c) => {
  await rbac.deleteRole(c.get('db'), c.req.valid('param').id)
  return c.body(null, 204)
}

export const listPermissions: Handler<typeof r.listPermissions> = async (c) =>
  ok(c, await rbac.listPermissions(c.get('db')))
export const createPermission: Handler<typeof r.createPermission> = async (c) =>
  ok(c, await rbac.createPermission(c.get('db'), c.req.valid('json')), 201)
export const getPermission: Handler<typeof r.getPermission> = async (c) =>
  ok(c, await rbac.getPermission(c.get('db'), c.req.valid('param').id))
export const updatePermission: Handler<typeof r.updatePermission> = async (c) =>
  ok(c, await rbac.updatePermission(c.get('db'), c.req.valid('param').id, c.req.valid('json')))
export const deletePermission: Handler<typeof r.deletePermission> = async (c) => {
  await rbac.deletePermission(c.get('db'), c.req.valid('param').id)
  return c.body(null, 204)
}

export const userRolesList: Handler<typeof r.userRolesList> = async (c) =>
  ok(c, await rbac.rolesOfUser(c.get('db'), c.req.valid('param').userId))
export const userRolesAdd: Handler<typeof r.userRolesAdd> = async (c) => {
  const { userId } = c.req.valid('param')
  const added = await rbac.assignRole(c.get('db'), userId, c.req.valid('json').roleId)
  return ok(c, await rbac.rolesOfUser(c.get('db'), userId), added ? 201 : 200)
}
export const userRolesRemove: Handler<typeof r.userRolesRemove> = async (c) => {
  const { userId } = c.req.valid('param')
  await rbac.unassignRole(c.get('pool'), userId, c.req.valid('json').roleId)
  await recheckChannelAccess(c.get('db'), c.get('config').bindings, userId)
  return c.body(null, 204)
}
export const rolePermissionsAdd: Handler<typeof r.rolePermissionsAdd> = async (c) => {
  const { roleId } = c.req.valid('param')
  const added = await rbac.grantPermission(c.get('db'), roleId, c.req.valid('json').permissionId)
  return ok(c, await rbac.getRole(c.get('db'), roleId), added ? 201 : 200)
}
export const rolePermissionsRemove: Handler<typeof r.rolePermissionsRemove> = async (c) => {
  await rbac.revokePermission(c.get('db'), c.req.valid('param').roleId, c.req.valid('json').permissionId)
  return c.body(null, 204)
}

export const checkPermission: Handler<typeof r.checkPermission> = async (c) => {
  const { userId } = c.req.valid('param')
  const { resource, action, ownerId } = c.req.valid('json')
  const access = await rbac.accessOfUser(c.get('db'), userId)
  const grant = grantFor(access.permissions, resource, action)
  const allowed = grant === 'all' || (grant === 'own' && ownerId === userId)
  return ok(c, { allowed, grant })
}
export const userPermissions: Handler<typeof r.userPermissions> = async (c) =>
  ok(c, await rbac.accessOfUser(c.get('db'), c.req.valid('param').userId))
export const myRoles: Handler<typeof r.myRoles> = async (c) =>
  ok(c, await rbac.rolesOfUser(c.get('db'), c.get('user').id))
export const myPermissions: Handler<typeof r.myPermissions> = async (c) => {
  const { roles, permissions } = c.get('user')
  return ok(c, { roles, permissions })
}
