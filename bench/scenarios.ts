/**
 * What `npm run bench` measures, in order. Add a scenario by appending to the list: a fixed
 * `request`, or a `setup` that prepares one at run time (sign in, create fixtures, ...).
 */

/** `worker`: the built bundle in Miniflare (the hello worker shares it via a route); `node`: the plain-Node baseline. */
export type Server = 'worker' | 'node'

export type BenchRequest = {
  path: string
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  headers?: Record<string, string>
  body?: string
}

export type ScenarioContext = {
  /** Base URL of each server, e.g. http://127.0.0.1:8790 */
  baseUrl: Record<Server, string>
  /** The migrated bench database (postgres://...), for setups that need fixtures. */
  databaseUrl: string
}

export type Scenario = {
  name: string
  server: Server
  request?: BenchRequest
  setup?: (ctx: ScenarioContext) => Promise<BenchRequest>
  /** The harness's hello world: every other `worker` row is reported as a % of it. */
  ceiling?: boolean
  /** Names of the `node` scenarios doing the same work, for the "workerd vs Node" comparison. */
  nodeTwins?: string[]
}

/** Path the hello worker is routed on inside the same Miniflare instance (bench/workers.ts). */
export const HELLO_PATH = '/__bench/hello'

export const scenarios: Scenario[] = [
  { name: 'hello (ceiling)', server: 'worker', request: { path: HELLO_PATH }, ceiling: true },
  { name: 'GET /api/v1/health/liveness', server: 'worker', request: { path: '/api/v1/health/liveness' } },
  {
    name: 'GET /api/v1/health/readiness (Postgres)',
    server: 'worker',
    request: { path: '/api/v1/health/readiness' },
    nodeTwins: ['Node: readiness (Hono + pg Pool)', 'Node: readiness, connect per request'],
  },
  { name: 'Node: readiness (Hono + pg Pool)', server: 'node', request: { path: '/api/v1/health/readiness' } },
  // Not a product route: the Worker must connect per request (DESIGN.md §2); this shows what that alone costs.
  { name: 'Node: readiness, connect per request', server: 'node', request: { path: '/connect-per-request/api/v1/health/readiness' } },
]
