import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses as e } from '../../lib/envelope'

// Either scheme opens it: an admin's access token, or the METRICS_TOKEN secret as a bearer token. Typed: an array of
// two differently keyed objects would not fit createRoute's constraint, and every path of AppType would widen.
const adminOrMetricsToken: Record<string, string[]>[] = [{ bearerAuth: [] }, { metricsToken: [] }]

export const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['Health'],
  security: adminOrMetricsToken,
  summary: 'Prometheus metrics, summed over every isolate',
  description:
    'Text exposition format 0.0.4: HTTP requests by method, route pattern and status with a duration histogram; readings ingested; alerts opened and resolved by type; cron executions by status with durations; queue messages by outcome; rate-limit decisions; cache hits and misses; WebSocket and SSE connections open. Each isolate sends its counts at most every 5 s, so a scrape can lag by that much (docs/decisions.md, "Metrics").',
  responses: {
    200: {
      content: { 'text/plain': { schema: z.string().openapi({ description: 'Prometheus text format 0.0.4' }) } },
      description: 'Metrics',
    },
    ...e(401, 403),
  },
})
