/**
 * What `npm run bench` measures, in order. Add a scenario by appending to the list: a fixed
 * `request`, or a `setup` that prepares one at run time (sign in, create fixtures, ...).
 * The bench database is migrated and seeded (scripts/seed.ts) before the first scenario.
 */
import { DEMO_USERS } from '../scripts/seed'

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
  /** The migrated and seeded bench database (postgres://...), for setups that need fixtures. */
  databaseUrl: string
}

export type Scenario = {
  name: string
  server: Server
  request?: BenchRequest
  /** Runs right before the scenario is measured; returns its request (e.g. with a fresh bearer token). */
  setup?: (ctx: ScenarioContext) => Promise<BenchRequest>
  /** autocannon connections for this scenario; default BENCH_CONNECTIONS. The table shows the value used. */
  connections?: number
  /** The harness's hello world: every other `worker` row run at the same connections is reported as a % of it. */
  ceiling?: boolean
  /** Wording for the ceiling ratio, e.g. "authenticated Postgres-backed GET" (DESIGN.md §9). */
  headline?: string
  /** Names of the `node` scenarios doing the same work, for the "workerd vs Node" comparison. */
  nodeTwins?: string[]
  /**
   * This scenario isolates one step (`what`) of the work of another scenario (`of`, run at the same
   * connections). `p50`: report the step's p50 as a share of the whole's; `rps`: report the step's
   * throughput as a multiple of the whole's.
   */
  partOf?: { of: string; what: string; whole: string; compare: 'p50' | 'rps' }
}

/** Paths the bench-only hello worker is routed on inside the same Miniflare instance (bench/workers.ts). */
export const HELLO_PATH = '/__bench/hello'
/** One PBKDF2-SHA256 derivation with the parameters of src/lib/password.ts per request, and nothing else. */
export const PBKDF2_PATH = '/__bench/pbkdf2'

/** Bench-only: the request body `put` straight into the UPLOADS bucket, the ceiling for uploads. */
export const R2PUT_PATH = '/__bench/r2put'

/** Login concurrency: each login burns one full PBKDF2 of CPU, so 50 connections would only queue. */
const LOGIN_CONNECTIONS = 10

const credentials = (role: string) => {
  const user = DEMO_USERS.find((u) => u.role === role)
  if (!user) throw new Error(`scripts/seed.ts has no demo ${role}`)
  return { email: user.email, password: user.password }
}

const json = { 'content-type': 'application/json' }
const loginRequest = (role: string): BenchRequest => ({
  path: '/api/v1/auth/login',
  method: 'POST',
  headers: json,
  body: JSON.stringify(credentials(role)),
})

/** Signs in with `email` / `password` (`POST /api/v1/auth/login`), outside any measurement; returns the access token. */
export async function signIn(baseUrl: string, email: string, password: string, who = email) {
  const res = await fetch(new URL('/api/v1/auth/login', baseUrl), {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password }),
  })
  const text = await res.text()
  const token = res.ok ? (JSON.parse(text) as { data?: { accessToken?: unknown } }).data?.accessToken : undefined
  if (typeof token !== 'string') throw new Error(`signing in as ${who} failed: ${res.status} ${text.slice(0, 500)}`)
  return token
}

/** Signs in as the demo user of `role` once, outside the measurement, and returns the access token. */
export async function accessToken(baseUrl: string, role: string) {
  const { email, password } = credentials(role)
  return signIn(baseUrl, email, password, `the demo ${role}`)
}

/** A GET as the demo user of `role`, signed in once before it is measured. */
function authedGet(path: string, role: string, connections?: number): Scenario {
  const alone = connections === 1 ? ', one at a time' : ''
  return {
    name: `GET ${path} (${role} token, Postgres)${alone}`,
    server: 'worker',
    ...(connections ? { connections } : {}),
    setup: async (ctx) => ({
      path,
      headers: { authorization: `Bearer ${await accessToken(ctx.baseUrl.worker, role)}` },
    }),
  }
}

const LOGIN = 'POST /api/v1/auth/login (Postgres + password hash)'
const LOGIN_C1 = 'POST /api/v1/auth/login, one at a time'
const hashStep = (of: string, compare: 'p50' | 'rps') => ({ of, what: 'password hash', whole: 'login', compare })

export const scenarios: Scenario[] = [
  { name: 'hello (ceiling)', server: 'worker', request: { path: HELLO_PATH }, ceiling: true },
  { name: 'GET /api/v1/health/liveness', server: 'worker', request: { path: '/api/v1/health/liveness' } },
  {
    name: 'GET /api/v1/health/readiness (Postgres)',
    server: 'worker',
    request: { path: '/api/v1/health/readiness' },
    nodeTwins: ['Node: readiness (Hono + pg Pool)', 'Node: readiness, connect per request'],
  },
  {
    name: 'GET /api/v1/health/readiness (Postgres), one at a time',
    server: 'worker',
    connections: 1,
    request: { path: '/api/v1/health/readiness' },
  },
  { name: 'Node: readiness (Hono + pg Pool)', server: 'node', request: { path: '/api/v1/health/readiness' } },
  // Not a product route: the Worker must connect per request (DESIGN.md §2); this shows what that alone costs.
  {
    name: 'Node: readiness, connect per request',
    server: 'node',
    request: { path: '/connect-per-request/api/v1/health/readiness' },
  },
  {
    ...authedGet('/api/v1/users?limit=20', 'admin'),
    headline: 'authenticated Postgres-backed GET',
  },
  // The other Postgres-backed lists, each as the role that uses it (seeded by scripts/seed.ts).
  authedGet('/api/v1/jobs', 'user'),
  authedGet('/api/v1/alerts', 'customer'),
  authedGet('/api/v1/notifications', 'user'),
  authedGet('/api/v1/customers', 'admin'),
  // One request at a time: what one user feels, without queueing.
  authedGet('/api/v1/users?limit=20', 'admin', 1),
  authedGet('/api/v1/jobs', 'user', 1),
  authedGet('/api/v1/alerts', 'customer', 1),
  authedGet('/api/v1/notifications', 'user', 1),
  authedGet('/api/v1/customers', 'admin', 1),
  { name: LOGIN, server: 'worker', connections: LOGIN_CONNECTIONS, request: loginRequest('user') },
  // Bench-only route (bench/hello-worker.js): the hash alone, in the same workerd, at the login's concurrency.
  {
    name: 'PBKDF2-SHA256 ×100,000 only',
    server: 'worker',
    connections: LOGIN_CONNECTIONS,
    request: { path: PBKDF2_PATH },
    partOf: hashStep(LOGIN, 'rps'),
  },
  // One request at a time: latencies without queueing, so the hash's share of a login is its own cost.
  { name: LOGIN_C1, server: 'worker', connections: 1, request: loginRequest('user') },
  {
    name: 'PBKDF2-SHA256 ×100,000 only, one at a time',
    server: 'worker',
    connections: 1,
    request: { path: PBKDF2_PATH },
    partOf: hashStep(LOGIN_C1, 'p50'),
  },
]

/** Fails fast on a duplicated name or a reference (`nodeTwins`, `partOf.of`) to no scenario. */
export function checkScenarios(list: Scenario[] = scenarios) {
  const names = new Set<string>()
  for (const s of list) {
    if (names.has(s.name)) throw new Error(`bench/scenarios.ts: two scenarios are named "${s.name}"`)
    names.add(s.name)
    if (!s.request === !s.setup)
      throw new Error(`bench/scenarios.ts: "${s.name}" needs exactly one of request and setup`)
  }
  for (const s of list) {
    for (const ref of [...(s.nodeTwins ?? []), ...(s.partOf ? [s.partOf.of] : [])]) {
      if (!names.has(ref)) throw new Error(`bench/scenarios.ts: "${s.name}" refers to "${ref}", which is no scenario`)
    }
  }
}
