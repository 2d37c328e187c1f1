// Type-checked by `npm run bench:client-types`: the ten calls of ten-calls.ts, through hc<AppType> (every route).
import { createClient, dataOf } from '../../src/client'
import { appRoutes } from '../../src/client/app-routes'

const outpost = appRoutes(createClient({ baseUrl: 'http://localhost:8787' }))

export async function tenCalls(id: string) {
  const me = await dataOf(await outpost.auth.me.$get())
  await outpost.auth.profile.$put({ json: { name: me.name } })
  await outpost.jobs.$get({ query: { page: '1', limit: '20' } })
  await outpost.jobs[':id'].$get({ param: { id } })
  await outpost.jobs[':id'].run.$post({ param: { id } })
  await outpost.alerts.$get({ query: { status: 'ACTIVE' } })
  await outpost.alerts[':id'].resolve.$patch({ param: { id }, json: { note: 'door closed' } })
  await outpost.readings.coldcells[':id'].readings.$get({ param: { id }, query: { range: '24h' } })
  await outpost.notifications.$get({ query: {} })
  await outpost.health.$get()
  return me
}
