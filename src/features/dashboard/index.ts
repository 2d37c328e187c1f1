import { createRoute, z } from '@hono/zod-openapi'
import { createRouter } from '../../lib/create-router'
import { errorResponses as e, jsonContent, ok, successSchema } from '../../lib/envelope'
import { requireAuth, requireRole } from '../../lib/auth'
import { scopeOf } from '../coldchain/scope.service'
import { technicianDashboard } from './dashboard.service'

const count = z.number().int()
const Dashboard = z
  .object({
    customerCount: count,
    totalColdCells: count,
    activeAlerts: count,
    alertsByType: z.record(z.string(), count),
    customers: z.array(
      z.object({
        id: z.uuid(),
        name: z.string(),
        coldCells: count,
        devicesOnline: count,
        devicesOffline: count,
        activeAlerts: count,
      }),
    ),
  })
  .openapi('TechnicianDashboard')

const technician = createRoute({
  method: 'get',
  path: '/dashboard/technician',
  tags: ['Cold chain'],
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth(), requireRole('technician', 'admin')] as const,
  summary: 'Overview of the customers you look after (admins: all)',
  responses: { 200: jsonContent(successSchema(Dashboard), 'Dashboard'), ...e(401, 403) },
})

export const dashboardRouter = createRouter().openapi(technician, async (c) =>
  ok(c, await technicianDashboard(c.get('db'), await scopeOf(c.get('db'), c.get('user')))),
)
