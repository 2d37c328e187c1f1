import { createRoute } from '@hono/zod-openapi'
import { errorResponses as e, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './alerts.schemas'

const tags = ['Cold chain']
const security = [{ bearerAuth: [] }]
const middleware = requireAuth()

export const list = createRoute({
  method: 'get',
  path: '/alerts',
  tags,
  security,
  middleware,
  summary: 'Alerts you may see (filter by status, type, cold cell, customer)',
  request: { query: s.AlertListQuery },
  responses: { 200: jsonContent(pageSchema(s.AlertSchema), 'A page of alerts'), ...e(401, 422) },
})
export const resolve = createRoute({
  method: 'patch',
  path: '/alerts/{id}/resolve',
  tags,
  security,
  middleware,
  summary: 'Resolve an active alert by hand (admins and technicians)',
  request: {
    params: s.AlertIdParam,
    body: { content: { 'application/json': { schema: s.ResolveBody } }, required: false },
  },
  responses: { 200: jsonContent(successSchema(s.AlertSchema), 'Resolved'), ...e(401, 403, 404, 409, 422) },
})
