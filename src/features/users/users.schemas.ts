import { z } from '@hono/zod-openapi'
import { users } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { formatted, selectSchema } from '../../lib/table-schema'

/** Picked, not omitted: the row also holds the password hash. Roles come from a join. */
export const UserSchema = selectSchema(users)
  .pick({ id: true, email: true, name: true, createdAt: true, updatedAt: true })
  .extend({ email: formatted('email'), emailVerified: z.boolean(), roles: z.array(z.string()) })
  .openapi('User')
export type PublicUser = z.infer<typeof UserSchema>

export const EmailSchema = z
  .email()
  .max(254)
  .transform((e) => e.trim().toLowerCase())
  .openapi({ example: 'ada@example.com' })
export const NameSchema = z.string().trim().min(1).max(100).openapi({ example: 'Ada Lovelace' })
export const PasswordSchema = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(200, 'must be at most 200 characters')
  .openapi({ example: 'correct horse battery staple' })

export const UserIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })

export const SORTS = ['createdAt', '-createdAt', 'email', '-email', 'name', '-name'] as const
export const UserListQuery = PageQuery.extend({
  email: z.string().max(254).optional().openapi({ description: 'Substring of the email, case-insensitive' }),
  name: z.string().max(100).optional().openapi({ description: 'Substring of the name, case-insensitive' }),
  role: z.string().max(50).optional().openapi({ description: 'Users holding this role' }),
  sort: z.enum(SORTS).default('-createdAt'),
})
export type UserListQuery = z.infer<typeof UserListQuery>

export const CreateUserBody = z
  .strictObject({
    email: EmailSchema,
    password: PasswordSchema,
    name: NameSchema,
    roles: z.array(z.string().min(1).max(50)).min(1).max(10).default(['user']),
    emailVerified: z.boolean().default(true),
  })
  .openapi('CreateUser')

export const UpdateUserBody = z
  .strictObject({ name: NameSchema.optional(), email: EmailSchema.optional() })
  .refine((b) => b.name !== undefined || b.email !== undefined, 'give at least one of name, email')
  .openapi('UpdateUser')
