import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { authed, requireAuth, requirePermission } from '../../lib/auth'
import * as s from './rbac.schemas'

const tags = ['RBAC']
const security = [{ bearerAuth: [] }]
const admin = authed(requirePermission('rbac', 'manage', { own: false }))
const self = requireAuth()
const e = errorResponses

export const listRoles = createRoute({
  method: 'get',
  path: '/rbac/roles',
  tags,
  security,
  middleware: admin,
  summary: 'All roles with their permissions',
  responses: { 200: jsonContent(successSchema(z.array(s.RoleSchema)), 'Roles'), ...e(401, 403) },
})
export const createRole = createRoute({
  method: 'post',
  path: '/rbac/roles',
  tags,
  security,
  middleware: admin,
  summary: 'Create a role',
  request: jsonBody(s.CreateRoleBody),
  responses: { 201: jsonContent(successSchema(s.RoleSchema), 'Created'), ...e(401, 403, 409, 422) },
})
export const getRole = createRoute({
  method: 'get',
  path: '/rbac/roles/{id}',
  tags,
  security,
  middleware: admin,
  summary: 'A role',
  request: { params: s.IdParam },
  responses: { 200: jsonContent(successSchema(s.RoleSchema), 'Role'), ...e(401, 403, 404, 422) },
})
export const updateRole = createRoute({
  method: 'put',
  path: '/rbac/roles/{id}',
  tags,
  security,
  middleware: admin,
  summary: 'Rename or describe a role',
  request: { params: s.IdParam, ...jsonBody(s.UpdateRoleBody) },
  responses: { 200: jsonContent(successSchema(s.RoleSchema), 'Updated'), ...e(401, 403, 404, 409, 422) },
})
export const deleteRole = createRoute({
  method: 'delete',
  path: '/rbac/roles/{id}',
  tags,
  security,
  middleware: admin,
  summary: 'Delete a custom role',
  request: { params: s.IdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404, 409, 422) },
})

export const listPermissions = createRoute({
  method: 'get',
  path: '/rbac/permissions',
  tags,
  security,
  middleware: admin,
  summary: 'All permissions',
  responses: { 200: jsonContent(successSchema(z.array(s.PermissionSchema)), 'Permissions'), ...e(401, 403) },
})
export const createPermission = createRoute({
  method: 'post',
  path: '/rbac/permissions',
  tags,
  security,
  middleware: admin,
  summary: 'Create a permission',
  request: jsonBody(s.CreatePermissionBody),
  responses: { 201: jsonContent(successSchema(s.PermissionSchema), 'Created'), ...e(401, 403, 409, 422) },
})
export const getPermission = createRoute({
  method: 'get',
  path: '/rbac/permissions/{id}',
  tags,
  security,
  middleware: admin,
  summary: 'A permission',
  request: { params: s.IdParam },
  responses: { 200: jsonContent(successSchema(s.PermissionSchema), 'Permission'), ...e(401, 403, 404, 422) },
})
export const updatePermission = createRoute({
  method: 'put',
  path: '/rbac/permissions/{id}',
  tags,
  security,
  middleware: admin,
  summary: 'Update a permission',
  request: { params: s.IdParam, ...jsonBody(s.UpdatePermissionBody) },
  responses: { 200: jsonContent(successSchema(s.PermissionSchema), 'Updated'), ...e(401, 403, 404, 409, 422) },
})
export const deletePermission = createRoute({
  method: 'delete',
  path: '/rbac/permissions/{id}',
  tags,
  security,
  middleware: admin,
  summary: 'Delete a permission',
  request: { params: s.IdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404, 422) },
})

export const userRolesList = createRoute({
  method: 'get',
  path: '/rbac/users/{userId}/roles',
  tags,
  security,
  middleware: admin,
  summary: 'Roles of a user',
  request: { params: s.UserIdParam },
  responses: { 200: jsonContent(successSchema(z.array(s.RoleSchema)), 'Roles'), ...e(401, 403, 404, 422) },
})
export const userRolesAdd = createRoute({
  method: 'post',
  path: '/rbac/users/{userId}/roles',
  tags,
  security,
  middleware: admin,
  summary: 'Give a user a role (idempotent)',
  request: { params: s.UserIdParam, ...jsonBody(s.RoleRefBody) },
  responses: {
    200: jsonContent(successSchema(z.array(s.RoleSchema)), 'Already held'),
    201: jsonContent(successSchema(z.array(s.RoleSchema)), 'Assigned'),
    ...e(401, 403, 404, 422),
  },
})
export const userRolesRemove = createRoute({
  method: 'delete',
  path: '/rbac/users/{userId}/roles',
  tags,
  security,
  middleware: admin,
  summary: 'Take a role from a user',
  request: { params: s.UserIdParam, ...jsonBody(s.RoleRefBody) },
  responses: { 204: { description: 'Removed' }, ...e(401, 403, 404, 409, 422) },
})
export const rolePermissionsAdd = createRoute({
  method: 'post',
  path: '/rbac/roles/{roleId}/permissions',
  tags,
  security,
  middleware: admin,
  summary: 'Grant a permission to a role (idempotent)',
  request: { params: s.RoleIdParam, ...jsonBody(s.PermissionRefBody) },
  responses: {
    200: jsonContent(successSchema(s.RoleSchema), 'Already granted'),
    201: jsonContent(successSchema(s.RoleSchema), 'Granted'),
    ...e(401, 403, 404, 422),
  },
})
export const rolePermissionsRemove = createRoute({
  method: 'delete',
  path: '/rbac/roles/{roleId}/permissions',
  tags,
  security,
  middleware: admin,
  summary: 'Revoke a permission from a role',
  request: { params: s.RoleIdParam, ...jsonBody(s.PermissionRefBody) },
  responses: { 204: { description: 'Revoked' }, ...e(401, 403, 404, 422) },
})
export const checkPermission = createRoute({
  method: 'post',
  path: '/rbac/users/{userId}/check-permission',
  tags,
  security,
  middleware: admin,
  summary: 'Would this user be allowed?',
  request: { params: s.UserIdParam, ...jsonBody(s.CheckPermissionBody) },
  responses: { 200: jsonContent(successSchema(s.CheckResultSchema), 'Answer'), ...e(401, 403, 404, 422) },
})
export const userPermissions = createRoute({
  method: 'get',
  path: '/rbac/users/{userId}/permissions',
  tags,
  security,
  middleware: admin,
  summary: 'Effective roles and permissions of a user',
  request: { params: s.UserIdParam },
  responses: { 200: jsonContent(successSchema(s.AccessSchema), 'Access'), ...e(401, 403, 404, 422) },
})
export const myRoles = createRoute({
  method: 'get',
  path: '/rbac/me/roles',
  tags,
  security,
  middleware: self,
  summary: 'Your roles',
  responses: { 200: jsonContent(successSchema(z.array(s.RoleSchema)), 'Roles'), ...e(401) },
})
export const myPermissions = createRoute({
  method: 'get',
  path: '/rbac/me/permissions',
  tags,
  security,
  middleware: self,
  summary: 'Your effective permissions',
  responses: { 200: jsonContent(successSchema(s.AccessSchema), 'Access'), ...e(401) },
})
