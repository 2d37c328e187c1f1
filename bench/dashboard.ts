/**
 * `npm run bench:dashboard` (tsx bench/dashboard.ts): live dashboards on one cold cell while its
 * devices post readings.
 *
 * 1. Fleet (bench/ingest-fixtures.ts): one customer, ONE cold cell, BENCH_DASH_DEVICES (10) devices
 *    with real keys; the demo technician is linked to the customer.
 * 2. Ingest throughput without sockets: bench:ingest's closed-loop single readings
 *    (bench/ingest-scenario.ts) at BENCH_DASH_CONNECTIONS (50) for BENCH_DASH_DURATION s (10) after
 *    BENCH_DASH_WARMUP s (2); readings sent must equal rows stored.
 * 3. BENCH_DASH_SOCKETS (200) WebSockets on `coldcell:<id>`, signed in as the demo admin and the
 *    linked technician in turn (what the dashboard's cell page opens), in BENCH_DASH_PROCS (2) client
 *    processes. Devices then post BENCH_DASH_RATE (50) readings/s, open loop (one every 1/rate s,
 *    whatever the answers do), for BENCH_DASH_SECONDS (10), after 5 unmeasured: reading POST sent →
 *    its `reading` frame on the last socket and on each socket, p50 / p99, every frame on every socket.
 * 4. Ingest throughput again, the 200 sockets still connected (every reading is written to all of
 *    them), then once more after they closed; the ratio is with ÷ the mean of the two without.
 *
 * Durable Object storage on tmpfs, as bench:ingest's main rows. Prints a markdown section and writes
 * it, with the raw figures, to bench/results/dashboard-*.{md,json}. Exit code 1 when a frame was lost
 * (or duplicated, out of order, a socket dropped) or an ingest scenario lost a reading.
 */
import http from 'node:http'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freePort } from '../scripts/local-stack'
import { startChild } from './child'
import { fanOutTable, now, openFanOut, sleep, type FanOut, type Sent } from './fanout'
import { createFleet, type Fleet } from './ingest-fixtures'
import { send } from './ingest-load'
import type { LoadSummary } from './ingest-report'
import { loadScenario, planner, type Stack } from './ingest-scenario'
import {
  durableObjectsInMemory,
  interrupted,
  onShutdown,
  seedForBench,
  shutdown,
  startMigratedPostgres,
  takeOverSignals,
} from './lifecycle'
import { intFromEnv } from './load'
import { fmtPct as pct, printable, type ScenarioResult } from './realtime-report'
import { machine, writeResults } from './report'
import { accessToken } from './scenarios'
import { build, readWranglerConfig, startWorkers } from './workers'

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
  durationS: intFromEnv('BENCH_DASH_DURATION', 10),
  warmupS: intFromEnv('BENCH_DASH_WARMUP', 2, 0),
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
  without: Throughput[]
  withSockets: Throughput
  live: { result: ScenarioResult; load: number; achievedRate: number }
}) {
  const { opts } = o
  const when = o.startedAt.toISOString().slice(0, 16).replace('T', ' ')
  const r = o.live.result
  const row = (s: Throughput) =>
    `| ${s.name} | ${s.connections} | ${Math.round(s.rps)} | ${pct(s.latency)} | ${s.ledger ? `${s.ledger.sent} → ${s.ledger.rows}` : 'n/a'} | ` +
    `${['workerd', 'postgres', 'node helpers', 'bench', 'machine'].map((k) => (s.cpu[k] ?? 0).toFixed(2)).join(' / ')} | ${s.load.toFixed(1)} |`
  const meanWithout = o.without.reduce((n, s) => n + s.rps, 0) / o.without.length
  const lost = r.lost || [...o.without, o.withSockets].some((s) => s.lost)
  return [
    `## ${when} UTC: dashboard sockets on one cold cell (\`npm run bench:dashboard\`)`,
    '',
    `- Machine: ${machine()}`,
    `- Fixtures: one customer, one cold cell (0..4 °C), ${opts.devices} devices with real keys; readings inside the range (no alerts). ` +
      `Durable Object storage on tmpfs, as bench:ingest's main rows. Whole run ${Math.round(o.seconds)} s.`,
    '',
    `**Reading → frame on ${opts.sockets} dashboard WebSockets of \`coldcell:<id>\`** (signed in as the demo admin and the linked technician in turn, ` +
      `in ${opts.processes} client processes; ${opts.rate} readings/s open loop for ${opts.seconds} s, achieved ${o.live.achievedRate.toFixed(1)}/s, after ${WARMUP_READINGS} unmeasured; ` +
      `1-minute load average ${o.live.load.toFixed(1)} at its start):`,
    '',
    fanOutTable(r, 'reading POST sent'),
    '',
    `- ${r.lost ? '**FAILED**: not every `reading` frame reached every socket exactly once, in order' : 'Every `reading` frame reached every socket exactly once, in order'}` +
      `${r.problems.length ? ` (${r.problems.join('; ')})` : ''}.`,
    '',
    `**Ingest throughput with and without the ${opts.sockets} sockets** (bench:ingest's closed-loop single readings, ${opts.durationS} s after ${opts.warmupS} s of warm-up, ` +
      `over the same ${opts.devices} devices of the one cell; "without" ran before the sockets connected and again after they closed):`,
    '',
    '| scenario | -c | req/s | p50 / p99 ms | readings sent → rows stored | CPU cores: workerd / Postgres / Node helpers / bench / machine | load 1m |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...[o.without[0]!, o.withSockets, ...o.without.slice(1)].map(row),
    '',
    `- With the sockets, ingest runs at **${((o.withSockets.rps / meanWithout) * 100).toFixed(0)}%** of its throughput without them ` +
      `(${Math.round(o.withSockets.rps)} vs ${Math.round(meanWithout)} req/s, the mean of ${o.without.map((s) => Math.round(s.rps)).join(' and ')}); ` +
      `each reading is then written to ${opts.sockets} sockets, whose clients (Node helpers) share the machine's 2 cores with workerd.`,
    ...[...o.without, o.withSockets].flatMap((s) =>
      s.problems.length ? [`- ${s.name}: **${s.problems.join('; ')}**`] : [],
    ),
    `- ${lost ? '**FAILED**' : 'PASS'}: ${lost ? 'something was lost (see above)' : 'no frame and no reading lost'}.`,
    '',
  ].join('\n')
}

async function main() {
  process.chdir(fileURLToPath(new URL('..', import.meta.url)))
  const opts = options()
  const startedAt = new Date()
  console.log('building dist/index.js (wrangler deploy --dry-run) ...')
  build()
  const wrangler = await readWranglerConfig()
  takeOverSignals()
  console.log('starting Postgres, proxy and Miniflare ...')
  const pgServer = await startMigratedPostgres(DB)
  const databaseUrl = pgServer.url(DB)
  await seedForBench(databaseUrl) // the demo admin and technician open the sockets
  const proxy = await startChild('bench/ws-proxy.ts', { BENCH_PROXY_PORT: String(await freePort()) })
  onShutdown('WebSocket proxy', proxy.stop)
  const workers = await startWorkers(wrangler, {
    port: await freePort(),
    databaseUrl,
    wsProxy: `127.0.0.1:${proxy.port}`,
    durableObjectsDir: durableObjectsInMemory(),
  })
  onShutdown('Miniflare', workers.dispose)
  takeOverSignals()
  const stack: Stack = { url: workers.url, databaseUrl }
  const fleet = await createFleet(databaseUrl, {
    name: 'Bench Dashboard',
    prefix: 'DASH',
    cells: 1,
    devices: opts.devices,
  })
  await linkTechnician(databaseUrl, fleet.customerId)
  const plan = planner(fleet, Date.now() - 6 * 3600_000)
  console.log(`${machine()}\n${opts.devices} devices on one cold cell, ${opts.sockets} sockets\n`)

  const without: Throughput[] = [await throughput(stack, fleet, plan, opts, 'single readings, no sockets')]
  if (interrupted()) return interrupted()

  const admin = await accessToken(workers.url, 'admin')
  const tech = await accessToken(workers.url, 'technician')
  const fan: FanOut = await openFanOut({
    url: workers.url,
    channel: `coldcell:${fleet.coldCellIds[0]}`,
    event: 'reading',
    sockets: opts.sockets,
    processes: opts.processes,
    tokens: [admin, tech],
    probeToken: admin,
    adminToken: admin,
    keyOf,
  })
  let live: { result: ScenarioResult; load: number; achievedRate: number }
  let withSockets: Throughput
  try {
    console.log(`${fan.subs.ws} dashboard sockets in ${(fan.subs.connectMs / 1000).toFixed(1)} s`)
    const load = os.loadavg()[0]!
    let achievedRate = 0
    const result = await fan.measure({
      name: 'reading → frame',
      graceMs: GRACE_MS,
      warmup: async () => {
        const sent = await paced(workers.url, fleet, plan, opts.rate, WARMUP_READINGS)
        const bad = sent.find((s) => s.error)
        if (bad) throw new Error(`warm-up reading failed: ${bad.error}`)
        return WARMUP_READINGS
      },
      act: async () => {
        const count = opts.rate * opts.seconds
        const started = now()
        const sent = await paced(workers.url, fleet, plan, opts.rate, count)
        const lastSent = Math.max(...sent.map((s) => s.sentAt))
        achievedRate = count > 1 ? ((count - 1) * 1000) / (lastSent - started) : count
        return sent
      },
    })
    console.log(`  ${printable(result)}`)
    live = { result, load, achievedRate }
    if (interrupted()) return interrupted()
    withSockets = await throughput(stack, fleet, plan, opts, `single readings, ${opts.sockets} sockets connected`)
  } finally {
    await fan.stop()
  }
  await sleep(2000) // the closes settle before the last row
  if (interrupted()) return interrupted()
  without.push(await throughput(stack, fleet, plan, opts, 'single readings, no sockets (again, after they closed)'))

  const seconds = (Date.now() - startedAt.getTime()) / 1000
  const text = report({ startedAt, seconds, opts, without, withSockets, live })
  console.log(`\n${text}`)
  const files = writeResults('dashboard', startedAt, text, { startedAt, opts, without, withSockets, live })
  console.log(`wrote ${files.join(', ')} (run took ${Math.round(seconds)} s)`)
  const lost = live.result.lost || [...without, withSockets].some((s) => s.lost)
  console.log(`\n${lost ? 'FAILED: something was lost' : 'PASS: no frame and no reading lost'}`)
  return lost ? 1 : 0
}

main()
  .catch((err: unknown) => {
    console.error(`\nbench:dashboard failed: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  })
  .then(async (code) => {
    await shutdown()
    process.exit(interrupted() || code)
  })
