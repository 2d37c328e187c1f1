import { z } from '@hono/zod-openapi'
import { coldCells } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { formatted, selectSchema } from '../../lib/table-schema'

// Beyond any cold room or freezer, and beyond what the probes report: a typo, not a setting.
const Temperature = z.number().min(-100).max(100).openapi({ description: '°C' })

const fields = {
  locationId: z.uuid(),
  name: z.string().trim().min(1).max(200).openapi({ example: 'Freezer 1' }),
  minTemp: Temperature.openapi({ example: -25 }),
  maxTemp: Temperature.openapi({ example: -18 }),
  pendingReadings: z
    .number()
    .int()
    .min(1)
    .max(100)
    .openapi({ description: 'Consecutive breaching readings before an alert opens' }),
  pendingSeconds: z
    .number()
    .int()
    .min(0)
    .max(86_400)
    .openapi({ description: 'A breach lasting this long opens an alert (0 = off)' }),
  deadband: z
    .number()
    .min(0)
    .max(10)
    .openapi({ description: '°C back inside the range before an alert auto-resolves' }),
}

/** The row, with the customer of its location (a join). */
export const ColdCellSchema = selectSchema(coldCells)
  .extend({ customerId: formatted('uuid') })
  .openapi('ColdCell')

export const CreateColdCellBody = z
  .strictObject({
    ...fields,
    pendingReadings: fields.pendingReadings.default(1),
    pendingSeconds: fields.pendingSeconds.default(0),
    deadband: fields.deadband.default(0.5),
  })
  .openapi('CreateColdCell')
export type CreateColdCellInput = z.infer<typeof CreateColdCellBody>

export const UpdateColdCellBody = z
  .strictObject(
    Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]>
    },
  )
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'give at least one field')
  .openapi('UpdateColdCell')
export type UpdateColdCellInput = z.infer<typeof UpdateColdCellBody>

export const ColdCellIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
export const ColdCellListQuery = PageQuery.extend({ locationId: z.uuid().optional(), customerId: z.uuid().optional() })
export type ColdCellListQuery = z.infer<typeof ColdCellListQuery>
