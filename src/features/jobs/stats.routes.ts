import { createRoute } from '@hono/zod-openapi'
import { errorResponses, jsonContent, successSchema } from '../../lib/envelope'
import { requireAuth } from '../../lib/auth'
import { AnalyticsQuery, AnalyticsSchema, StatsSchema } from './stats.schemas'

const tags = ['Cron jobs']
const security = [{ bearerAuth: [] }]
const middleware = requireAuth()
const e = errorResponses

export const stats = createRoute({
  method: 'get',
  path: '/stats',
  tags,
  security,
  middleware,
  summary: 'Counts of your jobs and of their executions in the last 24 h',
  responses: { 200: jsonContent(successSchema(StatsSchema), 'Stats'), ...e(401) },
})
export const analytics = createRoute({
  method: 'get',
  path: '/stats/analytics',
  tags,
  security,
  middleware,
  summary: 'Daily trend, success rate, hourly distribution and slowest jobs over 7 or 30 days',
  request: { query: AnalyticsQuery },
  responses: { 200: jsonContent(successSchema(AnalyticsSchema), 'Analytics'), ...e(401, 422) },
})
