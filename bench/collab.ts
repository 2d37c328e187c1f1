/**
 * `npm run bench:collab` (tsx bench/collab.ts): collaboration reads and live task changes.
 *
 * 1. Fixtures (bench/collab-fixtures.ts): BENCH_COLLAB_MEMBERS (25) users, one project they all
 *    belong to, BENCH_COLLAB_TASKS (500) tasks assigned round-robin to them.
 * 2. With autocannon like `npm run bench` (BENCH_CONNECTIONS / BENCH_DURATION / BENCH_WARMUP), as a
 *    member: the hello ceiling, `GET /api/v1/projects/:id/tasks?limit=50`, and the same page through
 *    `POST /api/v1/graphql` (`tasks(projectId, limit: 50)` with each task's `assignee`); each row's
 *    requests/s, p50 and p99 as a ratio of the ceiling's in the same run.
 * 3. BENCH_COLLAB_SOCKETS (100) member WebSockets on `project:<id>` (every member's token in turn),
 *    then BENCH_COLLAB_EVENTS (100) `PATCH /api/v1/tasks/:id`, one at a time (each awaited, then
 *    BENCH_COLLAB_GAP_MS, 20), by the members in turn, after 3 unmeasured ones: PATCH sent → the
 *    `task.updated` frame on the last socket, p50 / p99, and every event on every socket.
 *
 * Prints a markdown section and writes it, with the raw figures, to bench/results/collab-*.{md,json}.
 * Exit code 1 when a request failed (non-2xx, errors, a GraphQL answer with `errors`) or any
 * `task.updated` frame was lost, duplicated or out of order.
 */
import os from 'node:os'
import { BENCH_MEMBER_PASSWORD, collabFixtures, type CollabFixtures } from './collab-fixtures'
import { fanOutTable, now, openFanOut, sleep, type Sent } from './fanout'
import { durableObjectsInMemory, interrupted, runBench, startStack } from './lifecycle'
import { intFromEnv, loadOptionsFromEnv, measure, preflight, type LoadOptions } from './load'
import { cpuBetween, snapshot } from './proc-cpu'
import { printable, type ScenarioResult } from './realtime-report'
import { ceilingLatencyRatios, failed, record, secondsSince, section, type Row } from './report'
import { accessToken, HELLO_PATH, signIn, type BenchRequest, type Scenario } from './scenarios'

const DB = 'outpost_bench_collab'
const PAGE = 50
const WARMUP_PATCHES = 3
const GRACE_MS = 10_000

const options = () => ({
  members: intFromEnv('BENCH_COLLAB_MEMBERS', 25, 2),
  tasks: intFromEnv('BENCH_COLLAB_TASKS', 500, PAGE),
  sockets: intFromEnv('BENCH_COLLAB_SOCKETS', 100),
  events: intFromEnv('BENCH_COLLAB_EVENTS', 100),
  gapMs: intFromEnv('BENCH_COLLAB_GAP_MS', 20, 0),
  processes: intFromEnv('BENCH_COLLAB_PROCS', 2),
})
type Options = ReturnType<typeof options>

const TASKS_QUERY = `query Board($projectId: ID!) {
  tasks(projectId: $projectId, limit: ${PAGE}) {
    id title status priority dueDate tags createdAt
    assignee { id name email }
  }
}`

type GraphQLAnswer = { data?: { tasks?: Array<{ assignee: { id: string } | null }> }; errors?: unknown[] }

/** GraphQL answers 200 with `errors` too: check once, outside the measurement, that the page is whole. */
async function checkGraphQL(url: string, req: BenchRequest) {
  const res = await fetch(new URL(req.path, url), { method: 'POST', headers: req.headers, body: req.body })
  const text = await res.text()
  const body = JSON.parse(text) as GraphQLAnswer
  const tasks = body.data?.tasks ?? []
  if (!res.ok || body.errors || tasks.length !== PAGE || tasks.some((t) => !t.assignee))
    throw new Error(
      `the GraphQL query did not answer ${PAGE} tasks with assignees: ${res.status} ${text.slice(0, 500)}`,
    )
}

async function checkRest(url: string, req: BenchRequest) {
  const res = await fetch(new URL(req.path, url), { headers: req.headers })
  const text = await res.text()
  const rows = res.ok ? (JSON.parse(text) as { data?: unknown[] }).data : undefined
  if (rows?.length !== PAGE)
    throw new Error(`the REST list did not answer ${PAGE} tasks: ${res.status} ${text.slice(0, 500)}`)
}

async function reads(url: string, f: CollabFixtures, token: string, opts: LoadOptions) {
  const auth = { authorization: `Bearer ${token}` }
  const rest: BenchRequest = { path: `/api/v1/projects/${f.projectId}/tasks?limit=${PAGE}`, headers: auth }
  const graphql: BenchRequest = {
    path: '/api/v1/graphql',
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ query: TASKS_QUERY, variables: { projectId: f.projectId } }),
  }
  await checkRest(url, rest)
  await checkGraphQL(url, graphql)
  const scenarios: Scenario[] = [
    { name: 'hello (ceiling)', server: 'worker', request: { path: HELLO_PATH }, ceiling: true },
    { name: `GET /api/v1/projects/:id/tasks?limit=${PAGE} (member token)`, server: 'worker', request: rest },
    {
      name: `POST /api/v1/graphql: tasks(limit: ${PAGE}) { … assignee { id name email } } (member token)`,
      server: 'worker',
      request: graphql,
    },
    // One request at a time: each page's own cost, without queueing behind 49 others.
    {
      name: 'hello (ceiling), one at a time',
      server: 'worker',
      connections: 1,
      request: { path: HELLO_PATH },
      ceiling: true,
    },
    { name: 'REST page, one at a time', server: 'worker', connections: 1, request: rest },
    { name: 'GraphQL page, one at a time', server: 'worker', connections: 1, request: graphql },
  ]
  const rows: Row[] = []
  const loads: number[] = []
  const cpu: Array<Record<string, number>> = []
  for (const scenario of scenarios) {
    if (interrupted()) break
    const problem = await preflight(url, scenario.request!)
    if (problem) console.log(`  preflight: ${problem}`)
    loads.push(os.loadavg()[0]!)
    const connections = scenario.connections ?? opts.connections
    process.stdout.write(`${scenario.name} (c=${connections}, load ${loads.at(-1)!.toFixed(1)}) ... `)
    const a = snapshot()
    const m = await measure(url, scenario.request!, { ...opts, connections })
    cpu.push(cpuBetween(a, snapshot()))
    console.log(`${Math.round(m.rps)} req/s, p50 ${m.p50} / p99 ${m.p99} ms${failed(m) ? '  FAILED' : ''}`)
    rows.push({ scenario, m })
  }
  await checkGraphQL(url, graphql) // still whole after the load (autocannon sees status codes only)
  return { rows, loads, cpu }
}

/** PATCH /tasks/:id as the members in turn, one at a time; the title names the change (`bench <seq>`). */
function patcher(url: string, f: CollabFixtures, tokens: string[]) {
  let n = 0
  return async (title: string) => {
    const i = n++
    const taskId = f.taskIds[i % f.taskIds.length]!
    const sentAt = now()
    const res = await fetch(`${url}/api/v1/tasks/${taskId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${tokens[i % tokens.length]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title, status: (['todo', 'in_progress', 'review', 'done'] as const)[i % 4] }),
    }).catch((err: unknown) => err as Error)
    const answeredAt = now()
    if (res instanceof Error) return { sentAt, answeredAt, error: res.message }
    const text = await res.text()
    return { sentAt, answeredAt, ...(res.ok ? {} : { error: `${res.status} ${text.slice(0, 200)}` }) }
  }
}

async function liveChanges(url: string, f: CollabFixtures, tokens: string[], o: Options) {
  const fan = await openFanOut({
    url,
    channel: `project:${f.projectId}`,
    event: 'task.updated',
    sockets: o.sockets,
    processes: o.processes,
    tokens,
    probeToken: tokens[0]!,
    adminToken: await accessToken(url, 'admin'),
    keyOf: (p) => (p as { task?: { title?: string } } | null)?.task?.title ?? null,
  })
  try {
    console.log(
      `${fan.subs.ws} member sockets on project:${f.projectId} in ${(fan.subs.connectMs / 1000).toFixed(1)} s`,
    )
    const patch = patcher(url, f, tokens)
    const load = os.loadavg()[0]!
    const result = await fan.measure({
      name: 'PATCH → task.updated',
      graceMs: GRACE_MS,
      warmup: async () => {
        for (let i = 0; i < WARMUP_PATCHES; i++) {
          const r = await patch(`warm-up ${i}`)
          if (r.error) throw new Error(`warm-up PATCH failed: ${r.error}`)
        }
        return WARMUP_PATCHES
      },
      act: async () => {
        const sent: Sent[] = []
        for (let seq = 0; seq < o.events && !interrupted(); seq++) {
          const key = `bench ${seq}`
          sent.push({ seq, key, ...(await patch(key)) })
          if (o.gapMs) await sleep(o.gapMs)
        }
        return sent
      },
    })
    console.log(`  ${printable(result)}`)
    return { result, load }
  } finally {
    await fan.stop()
  }
}

function report(o: {
  startedAt: Date
  seconds: number
  opts: Options
  load: LoadOptions
  rows: Row[]
  loads: number[]
  cpu: Array<Record<string, number>>
  live: { result: ScenarioResult; load: number }
  loadEnd: number
}) {
  const { opts, rows } = o
  const base = section(rows, o.load, o.startedAt, o.seconds).replace(
    /^## (.*) UTC$/m,
    `## $1 UTC: collaboration (\`npm run bench:collab\`)`,
  )
  const r = o.live.result
  return [
    base.trimEnd(),
    ceilingLatencyRatios(rows),
    `- Fixtures: one project, ${opts.members} members, ${opts.tasks.toLocaleString('en-US')} tasks assigned round-robin; requests as a member (not the owner). ` +
      `GraphQL answers (200 even with \`errors\`, which autocannon cannot see) were checked before and after measuring: ${PAGE} tasks, each with its assignee, no \`errors\`.`,
    `- 1-minute load average at the start of each row, in order: ${o.loads.map((l) => l.toFixed(1)).join(', ')}; ` +
      `CPU in cores over each row (warm-up included), workerd / Postgres / whole machine: ${o.cpu
        .map((c) => ['workerd', 'postgres', 'machine'].map((k) => (c[k] ?? 0).toFixed(2)).join(' / '))
        .join('; ')}.`,
    '',
    `**\`PATCH /api/v1/tasks/:id\` → \`task.updated\` on ${opts.sockets} member WebSockets of \`project:<id>\`** ` +
      `(${opts.events} PATCHes one at a time by the members in turn, each awaited then ${opts.gapMs} ms, after ${WARMUP_PATCHES} unmeasured; ` +
      `sockets in ${opts.processes} client processes, signed in as the ${opts.members} members in turn; 1-minute load average ${o.live.load.toFixed(1)} at its start, ${o.loadEnd.toFixed(1)} at the end of the run):`,
    '',
    fanOutTable(r, 'PATCH sent', '`task.updated`'),
    '',
  ].join('\n')
}

async function main() {
  const opts = options()
  const load = loadOptionsFromEnv()
  const startedAt = new Date()
  // Seeded: the demo admin reads the hub's counts.
  const { workers, databaseUrl } = await startStack({
    db: DB,
    starting: `Postgres, proxy and Miniflare; ${opts.members} members, ${opts.tasks} tasks`,
    durableObjectsDir: durableObjectsInMemory(), // as bench:ingest: no fsync of hub commits on this VM's disk
  })
  const fixtures = await collabFixtures(databaseUrl, opts)

  const tokens: string[] = []
  for (const m of fixtures.members) tokens.push(await signIn(workers.url, m.email, BENCH_MEMBER_PASSWORD))
  const { rows, loads, cpu } = await reads(workers.url, fixtures, tokens[1]!, load)
  if (interrupted()) return interrupted()
  const live = await liveChanges(workers.url, fixtures, tokens, opts)
  if (interrupted()) return interrupted()

  const seconds = secondsSince(startedAt)
  record({
    to: 'results',
    name: 'collab',
    startedAt,
    seconds,
    markdown: report({ startedAt, seconds, opts, load, rows, loads, cpu, live, loadEnd: os.loadavg()[0]! }),
    raw: { startedAt, opts, load, rows, loads, cpu, live },
  })
  const bad = rows.some((r) => failed(r.m)) || live.result.lost
  const failedRows = rows.filter((r) => failed(r.m)).map((r) => r.scenario.name)
  console.log(
    `\n${bad ? 'FAILED' : 'PASS'}: ${failedRows.length ? `failed requests in ${failedRows.join(', ')}` : 'every request 2xx'}; ` +
      `task.updated ${live.result.lost ? 'LOST, duplicated or out of order' : 'delivered to every socket'}`,
  )
  return bad ? 1 : 0
}

runBench('bench:collab', main)
