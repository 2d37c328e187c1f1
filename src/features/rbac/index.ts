import { createRouter } from '../../lib/create-router'
import * as h from './rbac.handlers'
import * as r from './rbac.routes'

export const rbacRouter = createRouter()
  .openapi(r.listRoles, h.listRoles)
  .openapi(r.createRole, h.createRole)
  .openapi(r.getRole, h.getRole)
  .openapi(r.updateRole, h.updateRole)
  .openapi(r.deleteRole, h.deleteRole)
  .openapi(r.listPermissions, h.listPermissions)
  .openapi(r.createPermission, h.createPermission)
  .openapi(r.getPermission, h.getPermission)
  .openapi(r.updatePermission, h.updatePermission)
  .openapi(r.deletePermission, h.deletePermission)
  .openapi(r.userRolesList, h.userRolesList)
  .openapi(r.userRolesAdd, h.userRolesAdd)
  .openapi(r.userRolesRemove, h.userRolesRemove)
  .openapi(r.rolePermissionsAdd, h.rolePermissionsAdd)
  .openapi(r.rolePermissionsRemove, h.rolePermissionsRemove)
  .openapi(r.checkPermission, h.checkPermission)
  .openapi(r.userPermissions, h.userPermissions)
  .openapi(r.myRoles, h.myRoles)
  .openapi(r.myPermissions, h.myPermissions)
