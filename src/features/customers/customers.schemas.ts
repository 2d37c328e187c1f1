import { z } from '@hono/zod-openapi'
import { customers } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { selectSchema } from '../../lib/table-schema'

const fields = {
  name: z.string().trim().min(1).max(200).openapi({ example: 'Nordic Foods' }),
  contactEmail: z.email().max(254).nullable().openapi({ example: 'ops@nordicfoods.example' }),
}

export const CustomerSchema = selectSchema(customers).openapi('Customer')

export const CreateCustomerBody = z
  .strictObject({ name: fields.name, contactEmail: fields.contactEmail.optional() })
  .openapi('CreateCustomer')
export type CreateCustomerInput = z.infer<typeof CreateCustomerBody>

export const UpdateCustomerBody = z
  .strictObject({ name: fields.name.optional(), contactEmail: fields.contactEmail.optional() })
  .refine((b) => b.name !== undefined || b.contactEmail !== undefined, 'give at least one of name, contactEmail')
  .openapi('UpdateCustomer')
export type UpdateCustomerInput = z.infer<typeof UpdateCustomerBody>

/** Links a technician (who looks after the customer) or a customer-role user (its staff). */
export const LinkUserBody = z.strictObject({ userId: z.uuid() }).openapi('LinkUser')

export const LinkSchema = z
  .object({ customerId: z.uuid(), userId: z.uuid(), kind: z.enum(['technician', 'user']) })
  .openapi('CustomerLink')

export const CustomerIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
export const CustomerUserParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
  userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }),
})

export const CustomerListQuery = PageQuery.extend({
  name: z.string().max(200).optional().openapi({ description: 'Substring of the name, case-insensitive' }),
})
export type CustomerListQuery = z.infer<typeof CustomerListQuery>
