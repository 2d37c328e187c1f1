/**
 * One closed-loop ingest scenario of bench/ingest.ts (also used by bench/dashboard.ts): the fleet's
 * requests, the load, and the ledger of readings sent against rows stored.
 */
import type { Fleet } from './ingest-fixtures'
import { openCounter } from './ingest-fixtures'
import { drive, type Planned } from './ingest-load'
import { summarizeLoad, type LoadSummary, type PgActivity } from './ingest-report'
import { cpuBetween, snapshot, type CpuSnapshot } from './proc-cpu'

/**
 * Requests for the fleet, devices taken round-robin. Each device has its own counter of ms after
 * `start` (hours in the past, so never "in the future"), so every reading has a distinct
 * (device, recordedAt) across all scenarios and must be stored exactly once.
 */
export function planner(fleet: Fleet, start: number) {
  const counters = fleet.devices.map(() => 0)
  const paths = fleet.devices.map((d) => `/api/v1/readings/devices/${encodeURIComponent(d.serialNumber)}/readings`)
  let next = 0
  const reading = (i: number) => ({
    temperature: Math.round((1 + Math.random() * 2) * 100) / 100, // inside 0..4 °C: no alerts
    humidity: Math.round((45 + Math.random() * 10) * 10) / 10,
    powerStatus: true,
    doorStatus: false,
    batteryLevel: 90,
    recordedAt: new Date(start + counters[i]!++).toISOString(),
  })
  const request = (i: number, body: unknown, readings: number): Planned => ({
    method: 'POST',
    path: paths[i]!,
    headers: { 'x-device-key': fleet.devices[i]!.key },
    body: JSON.stringify(body),
    readings,
  })
  return {
    single: (): Planned => {
      const i = next++ % fleet.devices.length
      return request(i, reading(i), 1)
    },
    batch: (size: number) => (): Planned => {
      const i = next++ % fleet.devices.length
      return request(i, { readings: Array.from({ length: size }, () => reading(i)) }, size)
    },
  }
}

export type Stack = { url: string; databaseUrl: string }

/**
 * Warm-up then the measured window in one go; Postgres row counts before the first request and
 * after the last answer, CPU and Postgres activity at the window's edges.
 */
export async function loadScenario(
  stack: Stack,
  o: {
    name: string
    kind: LoadSummary['kind']
    path: string
    connections: number
    warmupS: number
    durationS: number
    plan: () => Planned
    deviceIds: string[] | null
  },
) {
  process.stdout.write(`${o.name} (c=${o.connections}, ${o.durationS} s) ... `)
  const counter = await openCounter(stack.databaseUrl)
  try {
    const count = () => (o.deviceIds ? counter.readings(o.deviceIds) : Promise.resolve(0))
    const before = await count()
    const edges: { start?: [CpuSnapshot, Promise<PgActivity>]; end?: [CpuSnapshot, Promise<PgActivity>] } = {}
    const run = await drive(stack.url, {
      connections: o.connections,
      warmupMs: o.warmupS * 1000,
      durationMs: o.durationS * 1000,
      plan: o.plan,
      ingest: o.kind !== 'reference',
      onWindow: (edge) => (edges[edge] = [snapshot(), counter.activity()]),
    })
    const rows = o.deviceIds ? (await count()) - before : null
    const [a, pgA] = edges.start!
    const [b, pgB] = edges.end!
    const [x, y] = await Promise.all([pgA, pgB])
    const s = summarizeLoad({
      name: o.name,
      kind: o.kind,
      path: o.path,
      run,
      rows,
      cpu: cpuBetween(a, b),
      pg: { sessions: y.sessions - x.sessions, commits: y.commits - x.commits },
    })
    console.log(
      `${Math.round(s.rps)} req/s, ${Math.round(s.readingsPerSec)} readings/s, p50 ${s.latency?.p50 ?? 'n/a'} / p99 ${s.latency?.p99 ?? 'n/a'} ms` +
        `${s.ledger ? `, sent ${s.ledger.sent} → stored ${s.ledger.rows}` : ''}${s.problems.length ? `\n  PROBLEMS: ${s.problems.join('; ')}` : ''}`,
    )
    return s
  } finally {
    await counter.close()
  }
}
