import { createRoute } from '@hono/zod-openapi'
import { requireAuth, requireRole } from '../../lib/auth'
import { errorResponses as e, jsonContent, successSchema } from '../../lib/envelope'
import { Dashboard } from './dashboard.schemas'

export const technician = createRoute({
  method: 'get',
  path: '/dashboard/technician',
  tags: ['Cold chain'],
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth(), requireRole('technician', 'admin')] as const,
  summary: 'Overview of the customers you look after (admins: all)',
  responses: { 200: jsonContent(successSchema(Dashboard), 'Dashboard'), ...e(401, 403) },
})
