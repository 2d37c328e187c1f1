import { z } from '@hono/zod-openapi'
import { ALERT_TYPES, type AlertType } from '../../db/schema'
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

const count = z.number().int()
const CountsByType = z.object(Object.fromEntries(ALERT_TYPES.map((t) => [t, count])) as Record<AlertType, typeof count>)

export const ColdChainDaySchema = z
  .object({
    customerId: z.uuid(),
    name: z.string(),
    readingsReceived: count.openapi({ description: 'Readings recorded during the day (UTC)' }),
    alertsOpened: CountsByType.openapi({ description: 'Alerts first triggered during the day, by type' }),
    alertsResolved: CountsByType.openapi({ description: 'Alerts resolved during the day, by type' }),
    devices: count,
    devicesOffline: count.openapi({ description: 'Devices OFFLINE when the report ran' }),
  })
  .openapi('ColdChainDay')
export type ColdChainDay = z.infer<typeof ColdChainDaySchema>

export const DailyReportDataSchema = z.object({
  day: z.string(),
  signups: count,
  active_users: count,
  executions: count,
  succeeded: count,
  failed: count,
  coldChain: z
    .array(ColdChainDaySchema)
    .optional()
    .openapi({ description: 'One entry per customer; absent from reports stored before it was added' }),
})
export type DailyReportData = z.infer<typeof DailyReportDataSchema>

export const DailyReportSchema = z.object({
  day: z.string(),
  data: DailyReportDataSchema,
  createdAt: z.iso.datetime(),
})

export const AdminJobSchema = JobSchema.extend({ userId: z.uuid() })

export const AdminExecutionSchema = ExecutionSchema.extend({ userId: z.uuid() })
