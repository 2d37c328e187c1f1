import { z } from '@hono/zod-openapi'
import { locations } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { selectSchema } from '../../lib/table-schema'

const fields = {
  customerId: z.uuid(),
  name: z.string().trim().min(1).max(200).openapi({ example: 'Oslo warehouse' }),
  address: z.string().trim().max(500).nullable().openapi({ example: 'Kaigata 1, 0150 Oslo' }),
}

export const LocationSchema = selectSchema(locations).openapi('Location')

export const CreateLocationBody = z
  .strictObject({ ...fields, address: fields.address.optional() })
  .openapi('CreateLocation')
export type CreateLocationInput = z.infer<typeof CreateLocationBody>

export const UpdateLocationBody = z
  .strictObject({
    customerId: fields.customerId
      .optional()
      .openapi({ description: 'Accepted only when unchanged: a location never moves to another customer' }),
    name: fields.name.optional(),
    address: fields.address.optional(),
  })
  .refine((b) => b.name !== undefined || b.address !== undefined, 'give at least one of name, address')
  .openapi('UpdateLocation')
export type UpdateLocationInput = z.infer<typeof UpdateLocationBody>

export const LocationIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
export const LocationListQuery = PageQuery.extend({ customerId: z.uuid().optional() })
export type LocationListQuery = z.infer<typeof LocationListQuery>
