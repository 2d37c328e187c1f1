/**
 * `npm run bench:dashboard` (tsx bench/dashboard.ts): live dashboards on one cold cell while its
 * devices post readings.
 *
 * 1. Fleet (bench/ingest-fixtures.ts): one customer, two cold cells with BENCH_DASH_DEVICES (10)
 *    devices each, real keys; the demo technician is linked to the customer.
 * 2. BENCH_DASH_SOCKETS (200) WebSockets on the watched cell's `coldcell:<id>`, signed in as the demo
 *    admin and the linked technician in turn (what the dashboard's cell page opens), in
 *    BENCH_DASH_PROCS (2) client processes. Its devices post BENCH_DASH_RATE (50) readings/s, open
 *    loop (one every 1/rate s, whatever the answers do), for BENCH_DASH_SECONDS (10), after 5
 *    unmeasured: reading POST sent → its `reading` frame on the last socket and on each socket,
 *    p50 / p99, and every frame on every socket.
 * 3. Ingest throughput with and without the sockets, interleaved so that drift and other work on the
 *    machine hit both alike: bench:ingest's closed-loop single readings (bench/ingest-scenario.ts) at
 *    BENCH_DASH_CONNECTIONS (50), BENCH_DASH_DURATION s (5) after BENCH_DASH_WARMUP s (1) each, to
 *    the watched cell (every reading written to the 200 sockets) and to the other cell (a hub with no
 *    socket), in the order without, with, with, without, … for BENCH_DASH_ROUNDS (2) pairs;
 *    readings sent must equal rows stored. The ratio is Σ with ÷ Σ without.
 *
 * Durable Object storage on tmpfs, as bench:ingest's main rows. Prints a markdown section and writes
 * it, with the raw figures, to bench/results/dashboard-*.{md,json}. Exit code 1 when a frame was lost
 * (or duplicated, out of order, a socket dropped) or an ingest scenario lost a reading.
 */
import http from 'node:http'
import os from 'node:os'
import pg from 'pg'
import { fanOutTable, now, openFanOut, sleep, type FanOut, type Sent } from './fanout'
import { createFleet, type Fleet } from './ingest-fixtures'
import { send } from './ingest-load'
import type { LoadSummary } from './ingest-report'
import { loadScenario, planner, type Stack } from './ingest-scenario'
import { durableObjectsInMemory, interrupted, runBench, startStack } from './lifecycle'
import { intFromEnv } from './load'
import { fmtPct as pct, printable, type ScenarioResult } from './realtime-report'
import { machine, record, secondsSince } from './report'
import { accessToken } from './scenarios'

const DB = 'outpost_bench_dashboard'
const WARMUP_READINGS = 5
const GRACE_MS = 10_000
const INGEST_PATH = '/api/v1/readings/devices/{serial}/readings'

const options = () => ({
  sockets: intFromEnv('BENCH_DASH_SOCKETS', 200),
  rate: intFromEnv('BENCH_DASH_RATE', 50),
  seconds: intFromEnv('BENCH_DASH_SECONDS', 10),
  devices: intFromEnv('BENCH_DASH_DEVICES', 10),
  connections: intFromEnv('BENCH_DASH_CONNECTIONS', 50),
  durationS: intFromEnv('BENCH_DASH_DURATION', 5),
  warmupS: intFromEnv('BENCH_DASH_WARMUP', 1, 0),
  rounds: intFromEnv('BENCH_DASH_ROUNDS', 2),
  processes: intFromEnv('BENCH_DASH_PROCS', 2),
})
type Options = ReturnType<typeof options>

async function linkTechnician(databaseUrl: string, customerId: string) {
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  try {
    await db.query(
      `insert into technician_customers (technician_id, customer_id)
       select id, $1 from users where email = 'tech@outpost.dev'`,
      [customerId],
    )
  } finally {
    await db.end()
  }
}

/** A reading's identity in its `reading` event: the device's serial and the reading's recordedAt. */
const keyOf = (payload: unknown) => {
  const p = payload as { serialNumber?: string; recordedAt?: string } | null
  return p?.serialNumber && p.recordedAt ? `${p.serialNumber}|${p.recordedAt}` : null
}

/**
 * The readings of the latency phase: `count` single readings, one every 1000/rate ms from the
 * start (open loop: a slow answer does not delay the next one), from the fleet's devices in turn.
 */
async function paced(url: string, fleet: Fleet, plan: ReturnType<typeof planner>, rate: number, count: number) {
  const base = new URL(url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const serial = new Map(
    fleet.devices.map((d) => [
      `/api/v1/readings/devices/${encodeURIComponent(d.serialNumber)}/readings`,
      d.serialNumber,
    ]),
  )
  const started = now()
  const inFlight: Promise<Sent>[] = []
  try {
    for (let seq = 0; seq < count && !interrupted(); seq++) {
      const wait = started + (seq * 1000) / rate - now()
      if (wait > 0) await sleep(wait)
      const req = plan.single()
      const key = `${serial.get(req.path)}|${(JSON.parse(req.body!) as { recordedAt: string }).recordedAt}`
      const sentAt = now()
      inFlight.push(
        send(base, agent, req).then((a) => ({
          seq,
          key,
          sentAt,
          answeredAt: now(),
          ...('error' in a
            ? { error: a.error }
            : a.status === 202
              ? {}
              : { error: `${a.status} ${a.body.slice(0, 200)}` }),
        })),
      )
    }
    return await Promise.all(inFlight)
  } finally {
    agent.destroy()
  }
}

async function throughput(stack: Stack, fleet: Fleet, plan: ReturnType<typeof planner>, o: Options, name: string) {
  const load = os.loadavg()[0]!
  const s = await loadScenario(stack, {
    name,
    kind: 'single',
    path: INGEST_PATH,
    connections: o.connections,
    warmupS: o.warmupS,
    durationS: o.durationS,
    plan: plan.single,
    deviceIds: fleet.devices.map((d) => d.id),
  })
  return { ...s, load }
}
type Throughput = LoadSummary & { load: number }

function report(o: {
  startedAt: Date
  seconds: number
  opts: Options
  phases: Array<Throughput & { sockets: boolean }>
  live: { result: ScenarioResult; load: number; achievedRate: number }
}) {
  const { opts } = o
  const when = o.startedAt.toISOString().slice(0, 16).replace('T', ' ')
  const r = o.live.result
  const row = (s: Throughput) =>
    `| ${s.name} | ${s.connections} | ${Math.round(s.rps)} | ${pct(s.latency)} | ${s.ledger ? `${s.ledger.sent} → ${s.ledger.rows}` : 'n/a'} | ` +
    `${['workerd', 'postgres', 'node helpers', 'bench', 'machine'].map((k) => (s.cpu[k] ?? 0).toFixed(2)).join(' / ')} | ` +
    `${s.perRequest.workerdCpuMs} | ${s.load.toFixed(1)} |`
  const sum = (w: boolean) => o.phases.filter((x) => x.sockets === w).reduce((n, x) => n + x.rps, 0)
  const count = (w: boolean) => o.phases.filter((x) => x.sockets === w).length
  const [withRps, withoutRps] = [sum(true) / count(true), sum(false) / count(false)]
  const lost = r.lost || o.phases.some((x) => x.lost)
  return [
    `## ${when} UTC: dashboard sockets on one cold cell (\`npm run bench:dashboard\`)`,
    '',
    `- Machine: ${machine()}`,
    `- Fixtures: one customer, two cold cells (0..4 °C) with ${opts.devices} devices each, real keys; readings inside the range (no alerts). ` +
      `Durable Object storage on tmpfs, as bench:ingest's main rows. Whole run ${Math.round(o.seconds)} s.`,
    '',
    `**Reading → frame on ${opts.sockets} dashboard WebSockets of \`coldcell:<id>\`** (signed in as the demo admin and the linked technician in turn, ` +
      `in ${opts.processes} client processes; ${opts.rate} readings/s open loop for ${opts.seconds} s, achieved ${o.live.achievedRate.toFixed(1)}/s, after ${WARMUP_READINGS} unmeasured; ` +
      `1-minute load average ${o.live.load.toFixed(1)} at its start):`,
    '',
    fanOutTable(r, 'reading POST sent', '`reading` frame'),
    '',
    `**Ingest throughput with and without the ${opts.sockets} sockets** (bench:ingest's closed-loop single readings, ${opts.durationS} s after ${opts.warmupS} s of warm-up, ` +
      `from the ${opts.devices} devices of the watched cell ("with": each reading written to the ${opts.sockets} sockets) or of the other cell ("without": a hub with no socket), interleaved):`,
    '',
    '| scenario | -c | req/s | p50 / p99 ms | readings sent → rows stored | CPU cores: workerd / Postgres / Node helpers / bench / machine | workerd CPU ms per reading | load 1m |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...o.phases.map(row),
    '',
    `- With the sockets, ingest runs at **${((withRps / withoutRps) * 100).toFixed(0)}%** of its throughput without them ` +
      `(mean ${Math.round(withRps)} vs ${Math.round(withoutRps)} req/s over ${count(true)} + ${count(false)} interleaved windows); ` +
      `each reading is then written to ${opts.sockets} sockets, whose clients (Node helpers) share the machine's 2 cores with workerd.`,
    ...o.phases.flatMap((s) => (s.problems.length ? [`- ${s.name}: **${s.problems.join('; ')}**`] : [])),
    `- ${lost ? '**FAILED**' : 'PASS'}: ${lost ? 'something was lost (see above)' : 'no frame and no reading lost'}.`,
    '',
  ].join('\n')
}

async function main() {
  const opts = options()
  const startedAt = new Date()
  // Seeded: the demo admin and technician open the sockets.
  const { workers, databaseUrl } = await startStack({ db: DB, durableObjectsDir: durableObjectsInMemory() })
  const stack: Stack = { url: workers.url, databaseUrl }
  const fleet = await createFleet(databaseUrl, {
    name: 'Bench Dashboard',
    prefix: 'DASH',
    cells: 2,
    devices: 2 * opts.devices,
  })
  await linkTechnician(databaseUrl, fleet.customerId)
  // createFleet spreads devices over the cells round-robin: two fleets of one cell each.
  const [watched, other] = fleet.coldCellIds.map((cell) => ({
    ...fleet,
    coldCellIds: [cell],
    devices: fleet.devices.filter((d) => d.coldCellId === cell),
  })) as [Fleet, Fleet]
  const start = Date.now() - 6 * 3600_000
  const [watchedPlan, otherPlan] = [planner(watched, start), planner(other, start)]
  console.log(`${machine()}
two cold cells of ${opts.devices} devices; ${opts.sockets} sockets on one
`)

  const admin = await accessToken(workers.url, 'admin')
  const tech = await accessToken(workers.url, 'technician')
  const fan: FanOut = await openFanOut({
    url: workers.url,
    channel: `coldcell:${watched.coldCellIds[0]}`,
    event: 'reading',
    sockets: opts.sockets,
    processes: opts.processes,
    tokens: [admin, tech],
    probeToken: admin,
    adminToken: admin,
    keyOf,
  })
  let live: { result: ScenarioResult; load: number; achievedRate: number }
  const phases: Array<Throughput & { sockets: boolean }> = []
  try {
    console.log(`${fan.subs.ws} dashboard sockets in ${(fan.subs.connectMs / 1000).toFixed(1)} s`)
    const load = os.loadavg()[0]!
    let achievedRate = 0
    const result = await fan.measure({
      name: 'reading → frame',
      graceMs: GRACE_MS,
      warmup: async () => {
        const sent = await paced(workers.url, watched, watchedPlan, opts.rate, WARMUP_READINGS)
        const bad = sent.find((s) => s.error)
        if (bad) throw new Error(`warm-up reading failed: ${bad.error}`)
        return WARMUP_READINGS
      },
      act: async () => {
        const count = opts.rate * opts.seconds
        const started = now()
        const sent = await paced(workers.url, watched, watchedPlan, opts.rate, count)
        const lastSent = Math.max(...sent.map((s) => s.sentAt))
        achievedRate = count > 1 ? ((count - 1) * 1000) / (lastSent - started) : count
        return sent
      },
    })
    console.log(`  ${printable(result)}`)
    live = { result, load, achievedRate }
    // without, with, with, without, …: each pair's order alternates, so a trend hits both sides alike.
    for (let round = 0; round < opts.rounds && !interrupted(); round++) {
      for (const sockets of round % 2 === 0 ? [false, true] : [true, false]) {
        const [f, plan] = sockets ? [watched, watchedPlan] : [other, otherPlan]
        const name = `single readings ${sockets ? `to the watched cell (${opts.sockets} sockets)` : 'to the other cell (no socket)'}`
        phases.push({ ...(await throughput(stack, f, plan, opts, name)), sockets })
      }
    }
  } finally {
    await fan.stop()
  }
  if (interrupted()) return interrupted()

  const seconds = secondsSince(startedAt)
  const markdown = report({ startedAt, seconds, opts, phases, live })
  record({ to: 'results', name: 'dashboard', startedAt, seconds, markdown, raw: { startedAt, opts, phases, live } })
  const lost = live.result.lost || phases.some((s) => s.lost)
  console.log(`\n${lost ? 'FAILED: something was lost' : 'PASS: no frame and no reading lost'}`)
  return lost ? 1 : 0
}

runBench('bench:dashboard', main)
