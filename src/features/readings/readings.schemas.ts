import { z } from '@hono/zod-openapi'

/** Device clocks drift; a reading more than this far in the future is refused. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000

export const ReadingInput = z
  .strictObject({
    temperature: z.number().min(-100).max(100).openapi({ example: -18.4, description: '°C' }),
    humidity: z.number().min(0).max(100).optional().openapi({ example: 45, description: '% relative humidity' }),
    powerStatus: z.boolean().openapi({ example: true }),
    doorStatus: z.boolean().optional().openapi({ example: false, description: 'true when open' }),
    batteryLevel: z.number().int().min(0).max(100).optional().openapi({ example: 87 }),
    recordedAt: z.iso
      .datetime({ offset: true })
      .refine((t) => Date.parse(t) <= Date.now() + MAX_CLOCK_SKEW_MS, 'must not be in the future')
      .optional()
      .openapi({ description: 'Device time of the reading; defaults to when it arrives' }),
  })
  .openapi('Reading')
export type ReadingInput = z.infer<typeof ReadingInput>

export const IngestBody = z
  .union([
    ReadingInput,
    z.strictObject({
      readings: z
        .array(ReadingInput)
        .min(1)
        .max(500)
        .refine((l) => l.length === 1 || l.every((r) => r.recordedAt), 'every reading of a batch needs its recordedAt'),
    }),
  ])
  .openapi('IngestBody')

export const SerialParam = z.object({
  serialNumber: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,64}$/)
    .openapi({ param: { name: 'serialNumber', in: 'path' }, example: 'CC-1001' }),
})

export const IngestResult = z
  .object({
    accepted: z.number().int(),
    stored: z.number().int().openapi({ description: 'New rows; a resent (device, recordedAt) is not stored again' }),
    alerts: z.array(z.object({ kind: z.enum(['triggered', 'updated', 'resolved']), id: z.uuid(), type: z.string() })),
  })
  .openapi('IngestResult')

export const HistoryParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
export const HistoryQuery = z.object({
  range: z.enum(['24h', '7d', '30d']).default('24h').openapi({ description: 'Buckets of 5 min, 30 min and 2 h' }),
})
const Figures = {
  min: z.number().nullable(),
  max: z.number().nullable(),
  avg: z.number().nullable(),
  count: z.number().int(),
}
export const History = z
  .object({
    range: z.string(),
    bucket: z.string(),
    buckets: z.array(z.object({ start: z.string(), ...Figures })),
    stats: z.object(Figures),
  })
  .openapi('ReadingHistory')
