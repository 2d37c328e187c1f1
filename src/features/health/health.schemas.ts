import { z } from '@hono/zod-openapi'

export const CheckSchema = z
  .object({
    status: z.enum(['ok', 'down']),
    latencyMs: z.number().int(),
    error: z.string().optional(),
    backend: z.string().optional(),
  })
  .openapi('HealthCheck')

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    version: z.string(),
    environment: z.string(),
    time: z.iso.datetime(),
    checks: z.object({ postgres: CheckSchema, rateLimiter: CheckSchema, queues: CheckSchema }),
    deadLetters: z.number().int().nullable().openapi({
      description: 'Dead letters not replayed yet (GET /admin/dead-letters); null when Postgres cannot say',
    }),
  })
  .openapi('Health')

export const ProbeSchema = z
  .object({ status: z.enum(['ok', 'down']), checks: z.record(z.string(), CheckSchema).optional() })
  .openapi('Probe')
