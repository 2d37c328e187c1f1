import { hc } from 'hono/client'
import type { AppType } from '../app'
import type { OutpostClient } from '../client'

/**
 * Every route of the app at once, typed by `hc<AppType>`: `appRoutes(outpost).jobs[':id'].$get(...)`. Convenient
 * inside this repository, whose type-check covers the app anyway; elsewhere prefer `outpost.routes<Routers.X>()`,
 * which costs a consumer's type-check one feature rather than all of them.
 */
export const appRoutes = (client: Pick<OutpostClient, 'baseUrl' | 'fetch'>) =>
  hc<AppType>(client.baseUrl, { fetch: client.fetch }).api.v1
