import { z } from '@hono/zod-openapi'
import { ExecutionSchema, JobSchema } from '../jobs/jobs.schemas'

export const NameQuery = z.object({
  name: z.string().max(64).optional().openapi({ description: 'One job; all jobs when omitted' }),
})

export const NameParam = z.object({ name: z.string().max(64) })

export const SystemJobSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    schedule: z.string(),
    status: z.enum(['running', 'stopped']),
    lastRunAt: z.iso.datetime().nullable(),
    nextRunAt: z.iso.datetime().nullable(),
    lastDurationMs: z.number().int().nullable(),
    lastStatus: z.enum(['ok', 'error']).nullable(),
    lastError: z.string().nullable(),
  })
  .openapi('SystemJob')

export const TriggerResultSchema = z.object({
  name: z.string(),
  status: z.enum(['ok', 'error']),
  durationMs: z.number().int(),
  error: z.string().nullable(),
  result: z.record(z.string(), z.unknown()),
})

export const ReportsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(30) })

export const DailyReportSchema = z.object({
  day: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
})

export const AdminJobSchema = JobSchema.extend({ userId: z.uuid() })

export const AdminExecutionSchema = ExecutionSchema.extend({ userId: z.uuid() })
