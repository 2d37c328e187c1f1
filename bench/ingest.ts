/**
 * `npm run bench:ingest` (tsx bench/ingest.ts): cold-chain ingestion end to end. K simulated
 * devices (inserted directly with `pg`, with real device keys) post readings to
 * `POST /api/v1/readings/devices/{serial}/readings` for a fixed time, first one reading per request,
 * then batches; every reading has its own recordedAt, so each one must become exactly one row.
 * Afterwards the bench counts the rows in Postgres: readings sent must equal rows stored. Then one
 * device on its own cold cell posts breaching and recovering readings one at a time while the demo
 * admin listens on `coldcell:<id>`, which measures reading → `alert.triggered` on the socket. The
 * harness's hello route and the readiness route (one Postgres connection per request) are measured
 * with the same client for the ratios (DESIGN.md §9). Prints the results, writes
 * bench/results/ingest-*.json and prepends a dated section to docs/benchmarks.md.
 *
 * Targets: ≥ 300 single-reading requests/s sustained with zero loss, ≥ 5,000 readings/s through
 * batches. Exit code 1 on any loss (sent ≠ stored, a non-2xx answer, a transport error, a missing
 * alert frame); a missed throughput target only shows in the verdict.
 *
 * Options: BENCH_INGEST_DEVICES (50), BENCH_INGEST_CELLS (5), BENCH_INGEST_DURATION (15 s),
 * BENCH_INGEST_CONNECTIONS (50, single readings and the reference rows), BENCH_INGEST_BATCH_SIZE
 * (250), BENCH_INGEST_BATCH_CONNECTIONS (10), BENCH_INGEST_ALERTS (20 breaches; 0 skips),
 * BENCH_INGEST_ALERT_GAP_MS (50), BENCH_INGEST_WARMUP (2 s), BENCH_INGEST_REFERENCE (5 s; 0 skips),
 * BENCH_INGEST_DISK_COMPARE (1; 0 skips the single-readings row with object storage on disk).
 *
 * Durable Object storage lives on tmpfs (/dev/shm) for the main rows, as Postgres runs with
 * fsync=off; one more single-readings row repeats the scenario with it on disk, as `npm run dev` has it.
 */
import os from 'node:os'
import { freePort } from '../scripts/local-stack'
import { alertLatency } from './ingest-alerts'
import { createFleet, openCounter } from './ingest-fixtures'
import type { Planned } from './ingest-load'
import { loadScenario, planner, type Stack } from './ingest-scenario'
import {
  section,
  summarizeAlerts,
  TARGET_BATCH_READINGS_PER_SEC,
  TARGET_SINGLE_RPS,
  verdict,
  type AlertSummary,
  type LoadSummary,
  type Options,
} from './ingest-report'
import { durableObjectsInMemory, interrupted, onShutdown, runBench, startStack } from './lifecycle'
import { cpuBetween, snapshot } from './proc-cpu'
import { machine, record, secondsSince } from './report'
import { accessToken, HELLO_PATH } from './scenarios'
import { startWorkers } from './workers'
import { intFromEnv as int } from './load'

const DB = 'outpost_bench_ingest'
const MAX_BATCH = 500 // the route's limit

function optionsFromEnv(): Options {
  return {
    devices: int('BENCH_INGEST_DEVICES', 50),
    cells: int('BENCH_INGEST_CELLS', 5),
    durationS: int('BENCH_INGEST_DURATION', 15),
    connections: int('BENCH_INGEST_CONNECTIONS', 50),
    batchSize: int('BENCH_INGEST_BATCH_SIZE', 250, 2, MAX_BATCH),
    batchConnections: int('BENCH_INGEST_BATCH_CONNECTIONS', 10),
    alerts: int('BENCH_INGEST_ALERTS', 20, 0),
    alertGapMs: int('BENCH_INGEST_ALERT_GAP_MS', 50, 0),
    warmupS: int('BENCH_INGEST_WARMUP', 2, 0),
    referenceS: int('BENCH_INGEST_REFERENCE', 5, 0),
    diskCompare: int('BENCH_INGEST_DISK_COMPARE', 1, 0, 1) === 1,
  }
}

async function main() {
  const opts = optionsFromEnv()
  const startedAt = new Date()
  const loadAtStart = os.loadavg()[0]!
  const memoryDir = durableObjectsInMemory()
  // Seeded: the demo admin listens on the cold cell's channel.
  const { wrangler, workers, databaseUrl, wsProxy } = await startStack({ db: DB, durableObjectsDir: memoryDir })
  const stack: Stack = { url: workers.url, databaseUrl }

  const fleet = await createFleet(databaseUrl, {
    name: 'Bench Ingest',
    prefix: 'BENCH',
    cells: opts.cells,
    devices: opts.devices,
  })
  const deviceIds = fleet.devices.map((d) => d.id)
  const plan = planner(fleet, Date.now() - 6 * 3600_000)
  console.log(
    `${machine()}\n${opts.devices} devices over ${opts.cells} cold cells; ${opts.durationS} s per scenario after ${opts.warmupS} s of warm-up\n`,
  )

  const rows: LoadSummary[] = []
  if (opts.referenceS) {
    for (const [name, path] of [
      ['hello (ceiling)', HELLO_PATH],
      ['GET /api/v1/health/readiness (Postgres)', '/api/v1/health/readiness'],
    ] as const) {
      if (interrupted()) return interrupted()
      const req: Planned = { method: 'GET', path, readings: 0 }
      rows.push(
        await loadScenario(stack, {
          name,
          kind: 'reference',
          path,
          connections: opts.connections,
          warmupS: Math.min(opts.warmupS, 1),
          durationS: opts.referenceS,
          plan: () => req,
          deviceIds: null,
        }),
      )
    }
  }
  if (interrupted()) return interrupted()
  const ingestPath = '/api/v1/readings/devices/{serial}/readings'
  rows.push(
    await loadScenario(stack, {
      name: 'single readings',
      kind: 'single',
      path: ingestPath,
      connections: opts.connections,
      warmupS: opts.warmupS,
      durationS: opts.durationS,
      plan: plan.single,
      deviceIds,
    }),
  )
  if (interrupted()) return interrupted()
  if (opts.diskCompare && memoryDir) {
    // The same scenario with Durable Object storage on this VM's disk, as `npm run dev` keeps it:
    // workerd fsyncs each storage commit on the one thread that also runs every object here.
    const onDisk = await startWorkers(wrangler, { port: await freePort(), databaseUrl, wsProxy })
    onShutdown('Miniflare (storage on disk)', onDisk.dispose)
    const diskStack: Stack = { url: onDisk.url, databaseUrl }
    rows.push(
      await loadScenario(diskStack, {
        name: 'single readings, object storage on disk',
        kind: 'single',
        path: ingestPath,
        connections: opts.connections,
        warmupS: opts.warmupS,
        durationS: opts.durationS,
        plan: plan.single,
        deviceIds,
      }),
    )
    if (interrupted()) return interrupted()
  }
  rows.push(
    await loadScenario(stack, {
      name: `batches of ${opts.batchSize}`,
      kind: 'batch',
      path: ingestPath,
      connections: opts.batchConnections,
      warmupS: opts.warmupS,
      durationS: opts.durationS,
      plan: plan.batch(opts.batchSize),
      deviceIds,
    }),
  )
  if (interrupted()) return interrupted()

  let alerts: AlertSummary | undefined
  if (opts.alerts) {
    process.stdout.write(`reading → alert on the socket (${opts.alerts} breaches) ... `)
    const alertFleet = await createFleet(databaseUrl, {
      name: 'Bench Alerts',
      prefix: 'BENCH-ALERT',
      cells: 1,
      devices: 1,
    })
    const device = alertFleet.devices[0]!
    const token = await accessToken(workers.url, 'admin')
    const a = snapshot()
    const run = await alertLatency({ url: workers.url, token, device, breaches: opts.alerts, gapMs: opts.alertGapMs })
    const cpu = cpuBetween(a, snapshot())
    const counter = await openCounter(databaseUrl)
    const stored = await counter.readings([device.id]).finally(() => counter.close())
    alerts = summarizeAlerts(run, stored, cpu)
    console.log(
      `p50 ${alerts.toFrame?.p50 ?? 'n/a'} / p99 ${alerts.toFrame?.p99 ?? 'n/a'} ms${alerts.problems.length ? `\n  PROBLEMS: ${alerts.problems.join('; ')}` : ''}`,
    )
  }
  if (interrupted()) return interrupted()

  const seconds = secondsSince(startedAt)
  const load = { start: loadAtStart, end: os.loadavg()[0]! }
  const targets = { singleRps: TARGET_SINGLE_RPS, batchReadingsPerSec: TARGET_BATCH_READINGS_PER_SEC }
  record({
    to: 'docs',
    name: 'ingest',
    startedAt,
    seconds,
    markdown: section({ rows, alerts, opts, startedAt, seconds, load, storageInMemory: !!memoryDir }),
    raw: { startedAt, machine: machine(), load, opts, targets, rows, alerts },
  })
  const v = verdict(rows, alerts)
  console.log(`\n${v.lost ? 'FAILED' : v.met ? 'PASS' : 'NO LOSS, TARGET MISSED'}: ${v.text}`)
  return v.lost ? 1 : 0
}

runBench('bench:ingest', main)
