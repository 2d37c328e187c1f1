import { z } from '@hono/zod-openapi'
import { ANALYTICS_DAYS } from './stats.service'

const count = z.number().int().min(0)
const rate = z.number().min(0).max(1).nullable()

export const StatsSchema = z
  .object({
    jobs: z.object({ total: count, active: count, paused: count }).openapi('StatsJobCounts'),
    executions24h: z
      .object({
        total: count,
        success: count,
        failed: count,
        pending: count.openapi({ description: 'Not finished yet: PENDING, RUNNING or RETRYING' }),
      })
      .openapi('StatsExecutionCounts', { description: 'Executions created in the last 24 h' }),
    successRate: rate.openapi({
      description: 'SUCCESS / (SUCCESS + FAILED) over the last 24 h; null when none finished',
      example: 0.75,
    }),
    avgDurationMs: z.number().int().min(0).nullable().openapi({
      description: 'Mean duration of the executions finished in the last 24 h; null when none',
      example: 350,
    }),
  })
  .openapi('Stats')

export const TrendPointSchema = z
  .object({
    date: z.string().openapi({ example: '2025-01-31', description: 'UTC day' }),
    success: count,
    failed: count,
  })
  .openapi('StatsTrendPoint')
export const HourBucketSchema = z
  .object({ hour: z.number().int().min(0).max(23), executions: count })
  .openapi('StatsHourBucket')
export const SlowJobSchema = z
  .object({ jobId: z.uuid(), name: z.string(), avgDurationMs: z.number().int().min(0), runs: z.number().int().min(1) })
  .openapi('StatsSlowJob')

export const AnalyticsSchema = z
  .object({
    days: z
      .number()
      .int()
      .openapi({ enum: [7, 30] }),
    successRate: rate.openapi({ description: 'SUCCESS / (SUCCESS + FAILED) over the period; null when none finished' }),
    trend: z
      .array(TrendPointSchema)
      .openapi({ description: 'One entry per UTC day of the period, oldest first, ending today' }),
    hourly: z
      .array(HourBucketSchema)
      .openapi({ description: '24 entries: executions per UTC hour of creation over the period' }),
    slowestJobs: z
      .array(SlowJobSchema)
      .max(5)
      .openapi({ description: 'Top 5 jobs by average duration of their finished runs in the period' }),
  })
  .openapi('StatsAnalytics')

export const AnalyticsQuery = z.object({
  days: z
    .enum(ANALYTICS_DAYS)
    .default('7')
    .openapi({ description: 'Period in UTC days, today included', example: '7' }),
})
