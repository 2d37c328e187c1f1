import { z } from '@hono/zod-openapi'
import { permissions, roles } from '../../db/schema'
import { selectSchema } from '../../lib/table-schema'

const ident = z
  .string()
  .trim()
  .regex(/^(\*|[a-z][a-z0-9_-]{0,49})$/, 'lowercase letters, digits, _ and -, or *')

/** `key` is `resource:action`, computed. */
export const PermissionSchema = selectSchema(permissions).extend({ key: z.string() }).openapi('Permission')
/** With the keys of its permissions (a join). */
export const RoleSchema = selectSchema(roles)
  .extend({ permissions: z.array(z.string()) })
  .openapi('Role')

export const CreateRoleBody = z
  .strictObject({
    name: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_-]{1,49}$/, 'lowercase letters, digits, _ and -'),
    description: z.string().max(300).default(''),
  })
  .openapi('CreateRole')
export const UpdateRoleBody = z
  .strictObject({ name: CreateRoleBody.shape.name.optional(), description: z.string().max(300).optional() })
  .refine((b) => b.name !== undefined || b.description !== undefined, 'give at least one of name, description')
  .openapi('UpdateRole')

export const CreatePermissionBody = z
  .strictObject({ resource: ident, action: ident, description: z.string().max(300).default('') })
  .openapi('CreatePermission')
export const UpdatePermissionBody = z
  .strictObject({ resource: ident.optional(), action: ident.optional(), description: z.string().max(300).optional() })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'give at least one field')
  .openapi('UpdatePermission')

export const IdParam = z.object({ id: z.uuid() })
export const UserIdParam = z.object({ userId: z.uuid() })
export const RoleIdParam = z.object({ roleId: z.uuid() })
export const RoleRefBody = z.strictObject({ roleId: z.uuid() }).openapi('RoleRef')
export const PermissionRefBody = z.strictObject({ permissionId: z.uuid() }).openapi('PermissionRef')
export const CheckPermissionBody = z
  .strictObject({
    resource: z.string().min(1).max(50),
    action: z.string().min(1).max(50),
    ownerId: z.uuid().optional(),
  })
  .openapi('CheckPermission')
export const CheckResultSchema = z
  .object({ allowed: z.boolean(), grant: z.enum(['all', 'own', 'none']) })
  .openapi('CheckPermissionResult')
export const AccessSchema = z.object({ roles: z.array(z.string()), permissions: z.array(z.string()) }).openapi('Access')
