/** bench/ingest.ts's figures: per-scenario summaries, the verdict against the targets, the docs section. */
import type { AlertRun } from './ingest-alerts'
import { ALERT_WARMUP, BREACH_C, RECOVERY_C } from './ingest-alerts'
import type { LoadResult } from './ingest-load'
import { machine } from './report'
import { HELLO_PATH } from './scenarios'

/** The issue's targets on this machine. */
export const TARGET_SINGLE_RPS = 300
export const TARGET_BATCH_READINGS_PER_SEC = 5000

export type Options = {
  devices: number
  cells: number
  durationS: number
  connections: number
  batchSize: number
  batchConnections: number
  alerts: number
  alertGapMs: number
  warmupS: number
  referenceS: number
  diskCompare: boolean
}

export type Pct = { p50: number; p90: number; p99: number; max: number }

export function pct(values: number[]): Pct | null {
  if (!values.length) return null
  const s = [...values].sort((a, b) => a - b)
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!
  const r = (n: number) => Math.round(n * 10) / 10
  return { p50: r(at(0.5)), p90: r(at(0.9)), p99: r(at(0.99)), max: r(s[s.length - 1]!) }
}

export type Cpu = Record<string, number>

export type LoadSummary = {
  name: string
  kind: 'single' | 'batch' | 'reference'
  path: string
  connections: number
  durationS: number
  /** Answers inside the measured window ÷ its length. */
  requests: number
  rps: number
  /** The slowest whole second of the window. */
  lowestSecondRps: number | null
  /** Answers per whole second of the window. */
  perSecond: number[]
  readingsPerSec: number
  latency: Pct | null
  /** Warm-up and drain included. */
  non2xx: number
  errors: number
  statusCodes: Record<string, number>
  failureSamples: string[]
  /**
   * Warm-up, window and drain: readings sent, those answered 2xx, the sum of the answers' `stored`,
   * and the rows Postgres gained for the bench devices over the same span (null for the reference rows).
   */
  ledger: { sent: number; ok: number; storedByAnswers: number; rows: number } | null
  alertsInAnswers: number
  /** In the window: CPU in cores per process group, and per answered request. */
  cpu: Cpu
  perRequest: { workerdCpuMs: number; postgresCpuMs: number; pgSessions: number | null; pgCommits: number | null }
  lost: boolean
  problems: string[]
}

export type PgActivity = { sessions: number; commits: number }

export function summarizeLoad(o: {
  name: string
  kind: LoadSummary['kind']
  path: string
  run: LoadResult
  rows: number | null
  cpu: Cpu
  pg: PgActivity | null
}): LoadSummary {
  const { total: t, window: w } = o.run
  const seconds = o.run.durationMs / 1000
  const non2xx = t.requests - t.ok
  const ledger =
    o.rows === null
      ? null
      : { sent: t.readingsSent, ok: t.readingsOk, storedByAnswers: t.storedByAnswers, rows: o.rows }
  const problems: string[] = []
  if (non2xx || t.errors)
    problems.push(`${non2xx} non-2xx answers and ${t.errors} transport errors (${t.failureSamples.join('; ')})`)
  if (ledger && ledger.rows !== ledger.sent)
    problems.push(`${int(ledger.sent)} readings sent but ${int(ledger.rows)} rows stored`)
  if (ledger && ledger.storedByAnswers !== ledger.ok)
    problems.push(
      `the 2xx answers say ${int(ledger.storedByAnswers)} stored of the ${int(ledger.ok)} readings they accepted`,
    )
  if (o.kind !== 'reference' && t.alertsInAnswers)
    problems.push(`${t.alertsInAnswers} alert transitions from readings inside the range`)
  const rps = w.requests / seconds
  const perReq = (cores: number | undefined) => (rps ? Math.round(((cores ?? 0) * 1000 * 10) / rps) / 10 : 0)
  return {
    name: o.name,
    kind: o.kind,
    path: o.path,
    connections: o.run.connections,
    durationS: seconds,
    requests: w.requests,
    rps,
    lowestSecondRps: w.perSecond.length ? Math.min(...w.perSecond) : null,
    perSecond: w.perSecond,
    readingsPerSec: w.readingsOk / seconds,
    latency: pct(w.latencies),
    non2xx,
    errors: t.errors,
    statusCodes: t.statusCodes,
    failureSamples: t.failureSamples,
    ledger,
    alertsInAnswers: t.alertsInAnswers,
    cpu: o.cpu,
    perRequest: {
      workerdCpuMs: perReq(o.cpu.workerd),
      postgresCpuMs: perReq(o.cpu.postgres),
      pgSessions: o.pg && w.requests ? Math.round((o.pg.sessions / w.requests) * 100) / 100 : null,
      pgCommits: o.pg && w.requests ? Math.round((o.pg.commits / w.requests) * 100) / 100 : null,
    },
    lost: o.kind !== 'reference' && problems.length > 0,
    problems,
  }
}

export type AlertSummary = {
  breaches: number
  measured: number
  /** POST sent → `alert.triggered` frame; POST round trip; POST sent → hub stamp; stamp → frame. */
  toFrame: Pct | null
  post: Pct | null
  toHub: Pct | null
  hubToFrame: Pct | null
  resolvedToFrame: Pct | null
  framesByEvent: Record<string, number>
  ledger: { sent: number; rows: number }
  cpu: Cpu
  lost: boolean
  problems: string[]
  perBreach: AlertRun['samples']
}

export function summarizeAlerts(run: AlertRun, rows: number, cpu: Cpu): AlertSummary {
  const s = run.samples
  const got = s.filter((x) => x.frameMs !== null)
  const problems = [...run.problems]
  if (rows !== run.readingsSent) problems.push(`${run.readingsSent} readings sent but ${rows} rows stored`)
  return {
    breaches: run.breaches,
    measured: got.length,
    toFrame: pct(got.map((x) => x.frameMs!)),
    post: pct(s.map((x) => x.postMs)),
    toHub: pct(got.flatMap((x) => (x.hubMs === null ? [] : [x.hubMs]))),
    hubToFrame: pct(got.flatMap((x) => (x.hubMs === null ? [] : [x.frameMs! - x.hubMs]))),
    resolvedToFrame: pct(s.flatMap((x) => (x.resolvedFrameMs === null ? [] : [x.resolvedFrameMs]))),
    framesByEvent: run.framesByEvent,
    ledger: { sent: run.readingsSent, rows },
    cpu,
    lost: problems.length > 0 || got.length !== run.breaches,
    problems,
    perBreach: s,
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => (n < 10 ? n.toFixed(1) : String(Math.round(n)))
const p = (x: Pct | null, keys: Array<keyof Pct> = ['p50', 'p99']) =>
  x ? keys.map((k) => ms(x[k])).join(' / ') : 'n/a'
const pctOf = (a: number, b: number) => `${((a / b) * 100).toFixed(a / b < 0.1 ? 1 : 0)}%`
const cores = (c: Cpu) =>
  `${['workerd', 'postgres', 'node helpers', 'bench'].map((k) => (c[k] ?? 0).toFixed(2)).join(' / ')} (${(c.machine ?? 0).toFixed(2)})`

export function loadTable(rows: LoadSummary[]) {
  const lines = [
    '| scenario | -c | req/s (slowest 1 s) | readings/s | p50 / p99 / max ms | non-2xx / errors | readings sent → rows stored | per request: Postgres sessions; CPU ms workerd / postgres | CPU cores workerd / postgres / node helpers / bench (whole machine) |',
    '|---|---:|---:|---:|---:|---|---|---|---|',
  ]
  for (const r of rows) {
    const status =
      r.non2xx || r.errors
        ? `**${int(r.non2xx)} / ${int(r.errors)}** (${Object.entries(r.statusCodes)
            .map(([c, n]) => `${c}×${n}`)
            .join(', ')})`
        : '0 / 0'
    const ledger = r.ledger
      ? `${int(r.ledger.sent)} → ${int(r.ledger.rows)}${r.ledger.sent === r.ledger.rows ? '' : ' **LOSS**'}`
      : 'n/a'
    const per = `${r.perRequest.pgSessions ?? 'n/a'}; ${ms(r.perRequest.workerdCpuMs)} / ${ms(r.perRequest.postgresCpuMs)}`
    lines.push(
      `| ${r.name} | ${r.connections} | ${int(r.rps)} (${r.lowestSecondRps === null ? 'n/a' : int(r.lowestSecondRps)}) | ` +
        `${r.kind === 'reference' ? 'n/a' : int(r.readingsPerSec)} | ${p(r.latency, ['p50', 'p99', 'max'])} | ${status} | ${ledger} | ${per} | ${cores(r.cpu)} |`,
    )
  }
  return lines.join('\n')
}

export function alertTable(a: AlertSummary) {
  const frames = Object.entries(a.framesByEvent)
    .map(([e, n]) => `${e} ${n}`)
    .join(', ')
  return [
    '| measure | value |',
    '|---|---|',
    `| breaches measured (frames received / posted) | ${a.measured} / ${a.breaches} (after ${ALERT_WARMUP} unmeasured pairs) |`,
    `| **breach POST sent → \`alert.triggered\` on the socket** p50 / p90 / p99 / max ms | **${p(a.toFrame, ['p50', 'p90', 'p99', 'max'])}** |`,
    `| breach POST round trip (202 answer) p50 / p99 ms | ${p(a.post)} |`,
    `| POST sent → hub's \`at\` stamp; stamp → frame received, p50 / p99 ms | ${p(a.toHub)}; ${p(a.hubToFrame)} |`,
    `| recovery POST sent → \`alert.resolved\` on the socket p50 / p99 ms | ${p(a.resolvedToFrame)} |`,
    `| frames on the socket | ${frames || 'none'} |`,
    `| readings sent → rows stored | ${a.ledger.sent} → ${a.ledger.rows} |`,
    `| CPU in cores, workerd / postgres / node helpers / bench (whole machine) | ${cores(a.cpu)} |`,
  ].join('\n')
}

export function ratios(rows: LoadSummary[]) {
  const hello = rows.find((r) => r.path === HELLO_PATH)
  const readiness = rows.find((r) => r.path === '/api/v1/health/readiness')
  const lines: string[] = []
  for (const r of rows.filter((x) => x.kind !== 'reference')) {
    const parts: string[] = []
    if (hello && hello.connections === r.connections)
      parts.push(
        `**${pctOf(r.rps, hello.rps)}** of the hello ceiling (${int(r.rps)} vs ${int(hello.rps)} req/s at -c ${r.connections})`,
      )
    else if (hello)
      parts.push(
        `${pctOf(r.rps, hello.rps)} of the hello ceiling (careful: ${int(r.rps)} req/s at -c ${r.connections} vs ${int(hello.rps)} at -c ${hello.connections})`,
      )
    if (readiness && readiness.connections === r.connections)
      parts.push(
        `${(r.rps / readiness.rps).toFixed(2)}× the readiness route (one Postgres connection + \`select 1\` per request, ${int(readiness.rps)} req/s)`,
      )
    if (parts.length) lines.push(`- ${r.name}: ${parts.join('; ')}`)
  }
  return lines
}

/** Targets are judged on the first single and batch rows; a loss anywhere fails the run. */
export function verdict(rows: LoadSummary[], alerts: AlertSummary | undefined) {
  const single = rows.find((r) => r.kind === 'single')
  const batch = rows.find((r) => r.kind === 'batch')
  const lost = [...rows, alerts].some((x) => x?.lost)
  const parts: string[] = []
  let met = true
  if (single) {
    const ok = single.rps >= TARGET_SINGLE_RPS && !single.lost
    met &&= ok
    parts.push(
      `single readings ${int(single.rps)} req/s at -c ${single.connections} (target ≥ ${TARGET_SINGLE_RPS}, zero loss): ${ok ? 'met' : single.lost ? '**LOSS**' : '**missed**'}`,
    )
  }
  if (batch) {
    const ok = batch.readingsPerSec >= TARGET_BATCH_READINGS_PER_SEC && !batch.lost
    met &&= ok
    parts.push(
      `batches ${int(batch.readingsPerSec)} readings/s (target ≥ ${int(TARGET_BATCH_READINGS_PER_SEC)}): ${ok ? 'met' : batch.lost ? '**LOSS**' : '**missed**'}`,
    )
  }
  if (alerts)
    parts.push(
      `reading → alert on the socket p50 / p99 ${p(alerts.toFrame)} ms${alerts.lost ? ' (**frames or readings missing**)' : ''}`,
    )
  const loss = rows.flatMap((x) => (x.ledger ? [x.ledger] : []))
  const ledger =
    loss.length || alerts
      ? `; readings sent = rows stored: ${lost ? '**NO**' : 'yes'} (${[...loss.map((l) => `${int(l.sent)} = ${int(l.rows)}`), ...(alerts ? [`${alerts.ledger.sent} = ${alerts.ledger.rows}`] : [])].join(', ')})`
      : ''
  return { lost, met: met && !lost, text: `${parts.join('; ')}${ledger}.` }
}

export function section(o: {
  rows: LoadSummary[]
  alerts: AlertSummary | undefined
  opts: Options
  startedAt: Date
  seconds: number
  load: { start: number; end: number }
  storageInMemory: boolean
}) {
  const { rows, alerts, opts } = o
  const when = o.startedAt.toISOString().slice(0, 16).replace('T', ' ')
  const env = Object.keys(process.env)
    .filter((k) => k.startsWith('BENCH_INGEST_') && process.env[k])
    .sort()
    .map((k) => `${k}=${process.env[k]}`)
  const v = verdict(rows, alerts)
  const problems = [
    ...rows.filter((r) => r.kind !== 'reference').flatMap((r) => r.problems.map((x) => `${r.name}: ${x}`)),
    ...(alerts?.problems ?? []).map((x) => `alerts: ${x}`),
  ]
  const refs = rows.filter((r) => r.kind === 'reference')
  return [
    `## ${when} UTC: cold-chain ingest (\`npm run bench:ingest\`${env.length ? `, ${env.join(' ')}` : ''})`,
    '',
    `- Machine: ${machine()}`,
    `- Load: ${opts.devices} devices over ${opts.cells} cold cells (0..4 °C), readings inside the range (no alerts); closed-loop keep-alive HTTP clients in the bench process, ` +
      `each scenario measured over ${opts.durationS} s straight after ${opts.warmupS} s of warm-up (requests in flight at the end are awaited; the sent → stored ledger counts warm-up, window and drain)` +
      `${refs.length ? `; reference rows ${opts.referenceS} s each, same client` : ''}; batches of ${opts.batchSize}; ` +
      `Durable Object storage ${o.storageInMemory ? `on tmpfs${opts.diskCompare ? ' (on disk for the row that says so)' : ''}` : 'on disk'}; ` +
      `1-minute load average ${o.load.start.toFixed(1)} at the start, ${o.load.end.toFixed(1)} at the end; whole run ${Math.round(o.seconds)} s`,
    '',
    loadTable(rows),
    '',
    ...ratios(rows),
    ...(alerts
      ? [
          '',
          `**Reading → alert on the socket** (one device on its own cold cell, the demo admin's WebSocket on \`coldcell:<id>\`; ${alerts.breaches} breaches at ${BREACH_C} °C, each followed by a recovery at ${RECOVERY_C} °C, one POST at a time, ${opts.alertGapMs} ms apart):`,
          '',
          alertTable(alerts),
        ]
      : []),
    '',
    `- ${v.lost ? '**FAILED**' : v.met ? 'PASS' : 'NO LOSS, TARGET MISSED'}: ${v.text}`,
    ...(problems.length ? [`- Problems: ${problems.join('; ')}.`] : []),
    '',
  ].join('\n')
}
