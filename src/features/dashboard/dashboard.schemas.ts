import { z } from '@hono/zod-openapi'

const count = z.number().int()

export const Dashboard = z
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
