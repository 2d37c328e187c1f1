// Type-checked by `npm run bench:client-types`: ten typed calls through the client, as an app using it would make,
// typed per feature router.
import { createClient, dataOf, type Routers } from '../../src/client'

const client = createClient({ baseUrl: 'http://localhost:8787' })
const auth = client.routes<Routers.Auth>()
const jobs = client.routes<Routers.Jobs>()
const alerts = client.routes<Routers.Alerts>()
const readings = client.routes<Routers.Readings>()
const notifications = client.routes<Routers.Notifications>()
const health = client.routes<Routers.Health>()

export async function tenCalls(id: string) {
  const me = await dataOf(await auth.auth.me.$get())
  await auth.auth.profile.$put({ json: { name: me.name } })
  await jobs.jobs.$get({ query: { page: '1', limit: '20' } })
  await jobs.jobs[':id'].$get({ param: { id } })
  await jobs.jobs[':id'].run.$post({ param: { id } })
  await alerts.alerts.$get({ query: { status: 'ACTIVE' } })
  await alerts.alerts[':id'].resolve.$patch({ param: { id }, json: { note: 'door closed' } })
  await readings.readings.coldcells[':id'].readings.$get({ param: { id }, query: { range: '24h' } })
  await notifications.notifications.$get({ query: {} })
  await health.health.$get()
  return me
}
