import { createRoute } from '@hono/zod-openapi'
import { errorResponses, jsonContent, successSchema } from '../../lib/envelope'
import { HealthSchema, ProbeSchema } from './health.schemas'

const tags = ['Health']

export const health = createRoute({
  method: 'get',
  path: '/health',
  tags,
  summary: 'Dependency health with per-check latency',
  description: 'Checks Postgres, the rate-limit backend and the queue bindings. 503 when Postgres is down.',
  responses: {
    200: jsonContent(successSchema(HealthSchema), 'Healthy or degraded (a non-critical dependency is down)'),
    ...errorResponses(503),
  },
})

export const readiness = createRoute({
  method: 'get',
  path: '/health/readiness',
  tags,
  summary: 'Readiness probe: 503 while Postgres is unreachable',
  responses: {
    200: jsonContent(successSchema(ProbeSchema), 'Ready'),
    ...errorResponses(503),
  },
})

export const liveness = createRoute({
  method: 'get',
  path: '/health/liveness',
  tags,
  summary: 'Liveness probe: no I/O',
  responses: { 200: jsonContent(successSchema(ProbeSchema), 'Alive') },
})
