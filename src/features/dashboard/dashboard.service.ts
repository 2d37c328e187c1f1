import { sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { ALERT_TYPES } from '../../db/schema'
import type { Scope } from '../coldchain/scope.service'

type CustomerRow = {
  id: string
  name: string
  cold_cells: number
  devices_online: number
  devices_offline: number
  active_alerts: number
}

/**
 * The technician's overview, over the customers in scope, computed in Postgres: per customer its
 * cold cells, devices online/offline and active alerts; totals; active alerts by type.
 */
export async function technicianDashboard(db: Database, scope: Scope) {
  const inScope = scope.all ? sql`true` : scope.customerIds.length ? sql`c.id in ${scope.customerIds}` : sql`false`
  const { rows: customers } = await db.execute<CustomerRow>(sql`
    select c.id, c.name,
      (select count(*) from cold_cells cc join locations l on l.id = cc.location_id where l.customer_id = c.id)::int as cold_cells,
      (select count(*) from devices d join cold_cells cc on cc.id = d.cold_cell_id join locations l on l.id = cc.location_id where l.customer_id = c.id and d.status = 'ONLINE')::int as devices_online,
      (select count(*) from devices d join cold_cells cc on cc.id = d.cold_cell_id join locations l on l.id = cc.location_id where l.customer_id = c.id and d.status = 'OFFLINE')::int as devices_offline,
      (select count(*) from alerts a where a.customer_id = c.id and a.status = 'ACTIVE')::int as active_alerts
    from customers c where ${inScope} order by c.name, c.id`)
  const ids = customers.map((c) => c.id)
  const { rows: byType } = ids.length
    ? await db.execute<{ type: string; n: number }>(
        sql`select type, count(*)::int as n from alerts where status = 'ACTIVE' and customer_id in ${ids} group by type`,
      )
    : { rows: [] }
  return {
    customerCount: customers.length,
    totalColdCells: customers.reduce((n, c) => n + c.cold_cells, 0),
    activeAlerts: customers.reduce((n, c) => n + c.active_alerts, 0),
    alertsByType: Object.fromEntries(ALERT_TYPES.map((t) => [t, byType.find((r) => r.type === t)?.n ?? 0])),
    customers: customers.map((c) => ({
      id: c.id,
      name: c.name,
      coldCells: c.cold_cells,
      devicesOnline: c.devices_online,
      devicesOffline: c.devices_offline,
      activeAlerts: c.active_alerts,
    })),
  }
}
