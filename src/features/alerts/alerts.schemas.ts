import { z } from '@hono/zod-openapi'
import { alerts } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { selectSchema } from '../../lib/table-schema'

/** An alert as the API and the realtime events show it: the row without its bookkeeping timestamps. */
export const AlertSchema = selectSchema(alerts).omit({ createdAt: true, updatedAt: true }).openapi('Alert')
export type AlertOut = z.output<typeof AlertSchema>

export const AlertListQuery = PageQuery.extend({
  status: AlertSchema.shape.status.optional(),
  type: AlertSchema.shape.type.optional(),
  coldCellId: z.uuid().optional(),
  customerId: z.uuid().optional(),
})
export type AlertListQuery = z.infer<typeof AlertListQuery>

export const AlertIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
export const ResolveBody = z
  .strictObject({ note: z.string().trim().min(1).max(1000).optional() })
  .openapi('ResolveAlert')
