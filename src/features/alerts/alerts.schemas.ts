import { z } from '@hono/zod-openapi'
import { ALERT_TYPES } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'

export const AlertSchema = z
  .object({
    id: z.uuid(),
    deviceId: z.uuid(),
    coldCellId: z.uuid(),
    customerId: z.uuid(),
    type: z.enum(ALERT_TYPES),
    severity: z.enum(['WARNING', 'CRITICAL']),
    status: z.enum(['ACTIVE', 'RESOLVED']),
    message: z.string(),
    value: z.number().nullable(),
    triggerCount: z.number().int(),
    firstTriggeredAt: z.string(),
    lastTriggeredAt: z.string(),
    resolvedAt: z.string().nullable(),
    resolvedBy: z.uuid().nullable(),
    resolutionNote: z.string().nullable(),
    autoResolved: z.boolean(),
    escalatedAt: z.string().nullable(),
  })
  .openapi('Alert')

export const AlertListQuery = PageQuery.extend({
  status: z.enum(['ACTIVE', 'RESOLVED']).optional(),
  type: z.enum(ALERT_TYPES).optional(),
  coldCellId: z.uuid().optional(),
  customerId: z.uuid().optional(),
})
export type AlertListQuery = z.infer<typeof AlertListQuery>

export const AlertIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
export const ResolveBody = z
  .strictObject({ note: z.string().trim().min(1).max(1000).optional() })
  .openapi('ResolveAlert')
