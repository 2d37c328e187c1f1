import { z } from '@hono/zod-openapi'

export const StatsSchema = z
  .object({
    users: z.object({
      total: z.number().int(),
      verified: z.number().int(),
      unverified: z.number().int(),
      signupsLast7Days: z.number().int(),
    }),
    roles: z.record(z.string(), z.number().int()),
    activeSessions: z.number().int(),
  })
  .openapi('AdminStats')

export const AnalyticsSchema = z
  .object({
    days: z.number().int(),
    activeUsersInPeriod: z.number().int(),
    series: z.array(z.object({ date: z.string(), signups: z.number().int(), activeUsers: z.number().int() })),
  })
  .openapi('AdminAnalytics')

export const AnalyticsQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(30) })

export const SetRoleBody = z.strictObject({ role: z.string().min(1).max(50) }).openapi('SetRole')
