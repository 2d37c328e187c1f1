/**
 * `npm run bench:realtime` (tsx bench/realtime.ts): fan-out of one channel hub. Opens N WebSocket
 * and M SSE subscribers on one fresh `public:` channel (in child processes, bench/realtime-child.ts),
 * publishes K events one after another through `POST /api/v1/sse/admin/send/channel/{channel}` as
 * the demo admin, and measures whether every client got every event exactly once and in order, and
 * how long each event took from the POST being sent to the last client receiving it. Then sweeps N
 * (WebSockets only) to find where one hub saturates. Prints the results, writes
 * bench/results/realtime-*.json and prepends a dated section to docs/benchmarks.md.
 *
 * Targets: 1,000 WebSocket subscribers on one channel, every event delivered, p99 publish → last
 * client under 250 ms. Exit code 1 when the default scenario loses an event (or a subscriber).
 *
 * Options: BENCH_RT_WS (1000), BENCH_RT_SSE (100), BENCH_RT_EVENTS (50), BENCH_RT_GAP_MS (20, between
 * publishes), BENCH_RT_SWEEP (250,500,1000,2000,4000; "none" skips it), BENCH_RT_PROCS (2 client
 * processes).
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { interrupted, runBench, startStack } from './lifecycle'
import { intFromEnv as int } from './load'
import { hubCounts, openSubscribers } from './realtime-clients'
import {
  printable,
  section,
  summarize,
  TARGET_P99_MS,
  TARGET_WS,
  verdict,
  WARMUP,
  type Options,
  type Published,
  type ScenarioResult,
} from './realtime-report'
import { machine, record, secondsSince } from './report'
import { accessToken } from './scenarios'

const DB = 'outpost_bench_realtime'
/** How long the clients may take, after the last publish answered, to receive everything. */
const GRACE_MS = 10_000
/** Pause between scenarios, so the closes of the last one are not measured in the next. */
const SETTLE_MS = 2_000

function optionsFromEnv(): Options {
  const raw = process.env.BENCH_RT_SWEEP ?? '250,500,1000,2000,4000'
  const sweep = raw.trim() === 'none' || raw.trim() === '' ? [] : raw.split(',').map((s) => Number(s.trim()))
  if (sweep.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`BENCH_RT_SWEEP must be positive integers separated by commas (or "none"), got "${raw}"`)
  return {
    ws: int('BENCH_RT_WS', 1000, 0),
    sse: int('BENCH_RT_SSE', 100, 0),
    events: int('BENCH_RT_EVENTS', 50),
    gapMs: int('BENCH_RT_GAP_MS', 20, 0),
    sweep,
    processes: int('BENCH_RT_PROCS', 2),
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const now = () => performance.timeOrigin + performance.now()

/** Every subscriber holds a socket here and one in workerd, both under this process's limit. */
function checkFileLimit(opts: Options) {
  const limit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim())
  const need = 2 * Math.max(opts.ws + opts.sse, ...opts.sweep) + 1000
  if (Number.isFinite(limit) && limit < need) {
    console.warn(
      `warning: ulimit -n is ${limit}, below the ~${need} this run needs; raise it (ulimit -n ${need}) before running, or expect refused sockets`,
    )
  }
  return limit
}

const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

/** CPU seconds (user + system) each process has used so far, from /proc (Linux only; 0 elsewhere). */
function cpuSeconds(pids: number[]) {
  return pids.map((pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      return (Number(fields[11]) + Number(fields[12])) / TICK // utime, stime (fields 14, 15)
    } catch {
      return 0
    }
  })
}

/** The workerd processes Miniflare started (children of this process). */
function workerdPids() {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .filter((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
          return stat.includes('(workerd)') && Number(stat.split(') ')[1]!.split(' ')[1]) === process.pid
        } catch {
          return false
        }
      })
  } catch {
    return []
  }
}

/** CPU used by each side while `work` runs, as a share of one core over its wall time. */
async function measureCpu<T>(groups: Record<string, number[]>, work: () => Promise<T>) {
  const before = Object.fromEntries(
    Object.entries(groups).map(([k, pids]) => [k, cpuSeconds(pids).reduce((a, b) => a + b, 0)]),
  )
  const started = now()
  const value = await work()
  const wall = (now() - started) / 1000
  const cpu = Object.fromEntries(
    Object.entries(groups).map(([k, pids]) => [k, (cpuSeconds(pids).reduce((a, b) => a + b, 0) - before[k]!) / wall]),
  )
  return { value, cpu }
}

const send = (url: string, token: string, channel: string, body: unknown) =>
  fetch(`${url}/api/v1/sse/admin/send/channel/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

/** K events, one at a time: each POST is awaited, then `gapMs` of quiet; after WARMUP unmeasured ones (event `warmup`). */
async function publishAll(url: string, token: string, channel: string, opts: Options): Promise<Published[]> {
  for (let i = 0; i < WARMUP; i++) {
    const res = await send(url, token, channel, { event: 'warmup', data: { i } })
    if (!res.ok) throw new Error(`warm-up publish failed: ${res.status} ${(await res.text()).slice(0, 500)}`)
    await res.arrayBuffer()
    await sleep(opts.gapMs)
  }
  const out: Published[] = []
  for (let seq = 0; seq < opts.events && !interrupted(); seq++) {
    const sentAt = now()
    const res = await send(url, token, channel, { event: 'bench', data: { seq, sentAt } }).catch(
      (err: unknown) => err as Error,
    )
    const answeredAt = now()
    if (res instanceof Error) out.push({ seq, sentAt, answeredAt, error: res.message })
    else {
      const text = await res.text()
      const body = res.ok ? (JSON.parse(text) as { data?: { id?: number; delivered?: number } }).data : undefined
      if (typeof body?.id === 'number')
        out.push({ seq, sentAt, answeredAt, id: body.id, delivered: body.delivered ?? -1 })
      else out.push({ seq, sentAt, answeredAt, error: `${res.status} ${text.slice(0, 200)}` })
    }
    if (opts.gapMs) await sleep(opts.gapMs)
  }
  return out
}

async function runScenario(url: string, name: string, ws: number, sse: number, opts: Options): Promise<ScenarioResult> {
  const channel = `public:bench-${ws}-${sse}-${randomBytes(4).toString('hex')}`
  const token = await accessToken(url, 'admin') // fresh per scenario: the access token lives 15 minutes
  process.stdout.write(`${name}: connecting ${ws} WebSocket + ${sse} SSE on ${channel} ... `)
  const subs = await openSubscribers({
    url,
    channel,
    ws,
    sse,
    processes: opts.processes,
    connectTimeoutMs: 120_000 + 50 * (ws + sse),
  })
  try {
    console.log(
      `${subs.ws} + ${subs.sse} in ${(subs.connectMs / 1000).toFixed(1)} s${subs.failures.length ? `, ${subs.failures.length} FAILED` : ''}`,
    )
    const hub = await hubCounts(url, token, channel)
    const groups = { workerd: workerdPids(), clients: subs.pids, publisher: [process.pid] }
    const { value, cpu } = await measureCpu(groups, async () => {
      const published = await publishAll(url, token, channel, opts)
      const ids = published.flatMap((p) => ('id' in p ? [p.id] : []))
      return { published, received: await subs.collect(ids, GRACE_MS) }
    })
    const result = summarize({ name, channel, ws, sse, opts, subs, hub, ...value, cpu })
    console.log(`  ${printable(result)}`)
    return result
  } finally {
    await subs.stop()
    await sleep(SETTLE_MS)
  }
}

async function main() {
  const opts = optionsFromEnv()
  const fileLimit = checkFileLimit(opts)
  const startedAt = new Date()
  const loadAtStart = os.loadavg()[0]! // other work on this 2-core machine shows up here
  const { workers } = await startStack({ db: DB }) // seeded: the demo admin publishes
  console.log(
    `${machine()}\nulimit -n ${fileLimit}; ${opts.events} events per scenario, ${opts.gapMs} ms apart; clients in ${opts.processes} processes\n`,
  )

  const headline = await runScenario(workers.url, 'default', opts.ws, opts.sse, opts)
  const sweep: ScenarioResult[] = []
  for (const n of opts.sweep) {
    if (interrupted()) return interrupted()
    sweep.push(await runScenario(workers.url, `sweep N=${n}`, n, 0, opts))
  }
  if (interrupted()) return interrupted()

  const seconds = secondsSince(startedAt)
  const load = { start: loadAtStart, end: os.loadavg()[0]! }
  const targets = { ws: TARGET_WS, p99Ms: TARGET_P99_MS }
  record({
    to: 'docs',
    name: 'realtime',
    startedAt,
    seconds,
    markdown: section({ main: headline, sweep, opts, startedAt, seconds, load }),
    raw: { startedAt, machine: machine(), fileLimit, load, opts, targets, main: headline, sweep },
  })
  const v = verdict(headline)
  console.log(`\n${v.lost ? 'FAILED' : v.met ? 'PASS' : 'DELIVERED, TARGET MISSED'}: ${v.text}`)
  return v.lost ? 1 : 0
}

runBench('bench:realtime', main)
