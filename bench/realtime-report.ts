/** bench/realtime.ts's figures: per-scenario summary, the verdict against the targets, the docs section. */
import type { ChildResult, Subscribers } from './realtime-clients'
import { machine } from './report'

export const TARGET_WS = 1000
export const TARGET_P99_MS = 250
/** Unmeasured publishes (event `warmup`) before each scenario's K: the first requests pay for cold paths. */
export const WARMUP = 3

export type Options = { ws: number; sse: number; events: number; gapMs: number; sweep: number[]; processes: number }

export type Published = { seq: number; sentAt: number; answeredAt: number } & (
  | { id: number; delivered?: number }
  | { error: string }
)

type Pct = { p50: number; p99: number; max: number }

export type ScenarioResult = {
  name: string
  channel: string
  asked: { ws: number; sse: number }
  connected: { ws: number; sse: number }
  connectMs: number
  connectFailures: { count: number; samples: string[] }
  /** The largest clock correction applied to a client process, and the IPC round trip it was measured over. */
  clock: { offsetMs: number; rttMs: number }
  hub: { websockets: number; sse: number } | { error: string }
  published: number
  publishErrors: string[]
  /** Events whose `delivered` (sockets + streams the hub wrote to) differed from the subscribers connected. */
  deliveredMismatch: number
  post: Pct | null
  /** One publisher, back to back: events ÷ the summed POST round trips. */
  publishesPerSec: number | null
  /** Per event: POST sent → the last client (of either transport) received it. */
  lastClient: Pct | null
  lastClientWs: Pct | null
  lastClientSse: Pct | null
  /** Per delivery: POST sent → that client received it. */
  delivery: { ws: Pct | null; sse: Pct | null }
  /** Per event: POST sent → the hub's `at` stamp, and the stamp → the last client (workerd's clock, ms precision). */
  toHub: Pct | null
  hubToFirst: Pct | null
  hubToLast: Pct | null
  completeness: {
    expected: number
    received: number
    missing: number
    duplicates: number
    outOfOrder: number
    unexpected: number
    incompleteClients: number
    closedEarly: number
    closedSamples: string[]
  }
  lost: boolean
  saturated: boolean
  problems: string[]
  /** While publishing and receiving: CPU of workerd, the client processes and the publisher, in cores (1 = one core busy). */
  cpu: Record<string, number>
  perEvent: Array<{ seq: number; id: number | null; postMs: number; lastMs: number | null; received: number }>
}

function pct(values: number[]): Pct | null {
  if (!values.length) return null
  const s = [...values].sort((a, b) => a - b)
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! }
}

const samples = (list: string[]) => {
  const counts = new Map<string, number>()
  for (const s of list) counts.set(s, (counts.get(s) ?? 0) + 1)
  return [...counts].slice(0, 5).map(([s, n]) => `${n}× ${s}`)
}

type SummaryInput = {
  name: string
  channel: string
  ws: number
  sse: number
  opts?: Options
  subs: Subscribers
  hub: ScenarioResult['hub']
  published: Published[]
  received: ChildResult
  cpu: Record<string, number>
}

export function summarize(i: SummaryInput): ScenarioResult {
  const { subs, received: r } = i
  const ok = i.published.flatMap((p) => ('id' in p ? [p] : []))
  const byId = new Map(r.events.map((e) => [e.id, e]))
  const subscribers = subs.ws + subs.sse
  const lastOf = (e: ChildResult['events'][number]) =>
    e.lastAt.ws === null ? e.lastAt.sse : e.lastAt.sse === null ? e.lastAt.ws : Math.max(e.lastAt.ws, e.lastAt.sse)
  const perEvent = i.published.map((p) => {
    const e = 'id' in p ? byId.get(p.id) : undefined
    const last = e ? lastOf(e) : null
    return {
      seq: p.seq,
      id: 'id' in p ? p.id : null,
      postMs: p.answeredAt - p.sentAt,
      lastMs: last === null ? null : last - p.sentAt,
      received: e?.received ?? 0,
    }
  })
  const since = (pick: (e: ChildResult['events'][number]) => number | null) =>
    pct(
      ok.flatMap((p) => {
        const e = byId.get(p.id)
        const t = e ? pick(e) : null
        return t === null ? [] : [t - p.sentAt]
      }),
    )
  const fromHub = (pick: (e: ChildResult['events'][number]) => number | null) =>
    pct(
      r.events.flatMap((e) => {
        const t = pick(e)
        return e.hubAt === null || t === null ? [] : [t - e.hubAt]
      }),
    )
  const postTotal = ok.reduce((n, p) => n + p.answeredAt - p.sentAt, 0)
  const c = {
    expected: subscribers * ok.length,
    received: r.events.reduce((n, e) => n + e.received, 0),
    missing: r.missing,
    duplicates: r.duplicates,
    outOfOrder: r.outOfOrder,
    unexpected: r.unexpected,
    incompleteClients: r.incomplete,
    closedEarly: r.closedEarly.length,
    closedSamples: samples(r.closedEarly),
  }
  const publishErrors = i.published.flatMap((p) => ('error' in p ? [`event ${p.seq}: ${p.error}`] : []))
  // Only publishes that report a count (the admin send route); a PATCH or a reading reports none.
  const deliveredMismatch = ok.filter((p) => p.delivered !== undefined && p.delivered !== subscribers).length
  const problems: string[] = []
  if (subs.failures.length)
    problems.push(
      `${subs.failures.length} of ${i.ws + i.sse} subscribers failed to connect (${samples(subs.failures).join('; ')})`,
    )
  if ('error' in i.hub) problems.push(`hub stats: ${i.hub.error}`)
  else if (i.hub.websockets !== subs.ws || i.hub.sse !== subs.sse)
    problems.push(
      `the hub counts ${i.hub.websockets} WebSockets + ${i.hub.sse} SSE, the clients ${subs.ws} + ${subs.sse}`,
    )
  if (publishErrors.length)
    problems.push(
      `${publishErrors.length} publishes failed (${samples(publishErrors.map((e) => e.replace(/^event \d+: /, ''))).join('; ')})`,
    )
  if (deliveredMismatch)
    problems.push(`${deliveredMismatch} of ${ok.length} publishes answered a \`delivered\` other than ${subscribers}`)
  if (c.missing || c.duplicates || c.outOfOrder || c.unexpected) {
    problems.push(
      `${c.missing} deliveries missing, ${c.duplicates} duplicated, ${c.outOfOrder} out of order, ${c.unexpected} unexpected (${c.incompleteClients} clients incomplete)`,
    )
  }
  if (c.closedEarly)
    problems.push(`${c.closedEarly} subscribers were disconnected during the run (${c.closedSamples.join('; ')})`)
  const lost =
    subs.failures.length > 0 ||
    publishErrors.length > 0 ||
    c.missing + c.duplicates + c.outOfOrder + c.unexpected + c.closedEarly > 0 ||
    c.received !== c.expected
  const lastClient = since(lastOf)
  return {
    name: i.name,
    channel: i.channel,
    asked: { ws: i.ws, sse: i.sse },
    connected: { ws: subs.ws, sse: subs.sse },
    connectMs: subs.connectMs,
    connectFailures: { count: subs.failures.length, samples: samples(subs.failures) },
    clock: subs.clock,
    hub: i.hub,
    published: ok.length,
    publishErrors,
    deliveredMismatch,
    post: pct(ok.map((p) => p.answeredAt - p.sentAt)),
    publishesPerSec: ok.length ? (ok.length / postTotal) * 1000 : null,
    lastClient,
    lastClientWs: since((e) => e.lastAt.ws),
    lastClientSse: since((e) => e.lastAt.sse),
    delivery: { ws: pct(r.latencies.ws), sse: pct(r.latencies.sse) },
    toHub: since((e) => e.hubAt),
    hubToFirst: fromHub((e) => e.firstAt),
    hubToLast: fromHub(lastOf),
    completeness: c,
    lost,
    saturated: lost || lastClient === null || lastClient.p99 > TARGET_P99_MS,
    problems,
    cpu: i.cpu,
    perEvent,
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => (Math.abs(n) < 10 ? (Math.round(n * 10) / 10 || 0).toFixed(1) : String(Math.round(n)))
const p = (x: Pct | null, keys: Array<keyof Pct> = ['p50', 'p99']) =>
  x ? keys.map((k) => ms(x[k])).join(' / ') : 'n/a'
const secs = (n: number) => `${(n / 1000).toFixed(1)} s`

/** For the other channel benches (bench/fanout.ts): a latency, and a Pct as `p50 / p99`. */
export { ms as fmtMs, p as fmtPct }

const cores = (r: ScenarioResult) =>
  ['workerd', 'clients', 'publisher'].map((k) => (r.cpu[k] ?? 0).toFixed(2)).join(' / ')
const lossCell = (r: ScenarioResult) =>
  `${int(r.completeness.missing)} / ${int(r.completeness.duplicates)} / ${int(r.completeness.outOfOrder)}`

/** One console line per scenario. */
export function printable(r: ScenarioResult) {
  return (
    `${int(r.completeness.received)} / ${int(r.completeness.expected)} deliveries (missing / dup / out of order ${lossCell(r)}); ` +
    `publish → last client p50 / p99 / max ${p(r.lastClient, ['p50', 'p99', 'max'])} ms; POST p50 ${p(r.post, ['p50'])} ms` +
    (r.problems.length ? `\n  PROBLEMS: ${r.problems.join('; ')}` : '')
  )
}

export function verdict(r: ScenarioResult) {
  const p99 = r.lastClient?.p99
  const enough = r.connected.ws >= TARGET_WS
  const fast = p99 !== undefined && p99 < TARGET_P99_MS
  const met = enough && fast && !r.lost
  const what =
    `${int(r.connected.ws)} WebSocket${r.connected.sse ? ` + ${int(r.connected.sse)} SSE` : ''} subscribers on one channel, ` +
    `${r.lost ? '**not** every event delivered' : 'every event delivered exactly once, in order'}, ` +
    `p99 publish → last client ${p99 === undefined ? 'n/a' : `${ms(p99)} ms`}`
  const misses = [
    !enough && `fewer than ${int(TARGET_WS)} WebSockets`,
    r.lost && 'events or subscribers lost',
    !fast && `p99 not under ${TARGET_P99_MS} ms`,
  ].filter(Boolean)
  return {
    met,
    lost: r.lost,
    text: `${met ? '**Target met**' : `**Target missed** (${misses.join(', ')})`}: ${what} (target: ${int(TARGET_WS)} WebSockets, every event, p99 < ${TARGET_P99_MS} ms).`,
  }
}

function mainTable(r: ScenarioResult) {
  const hub = 'error' in r.hub ? r.hub.error : `${int(r.hub.websockets)} + ${int(r.hub.sse)}`
  const c = r.completeness
  return [
    '| measure | value |',
    '|---|---:|',
    `| subscribers connected, WebSocket + SSE (asked) | ${int(r.connected.ws)} + ${int(r.connected.sse)} (${int(r.asked.ws)} + ${int(r.asked.sse)}) |`,
    `| the hub's own count (\`GET /sse/admin/stats\`) | ${hub} |`,
    `| time to connect them all | ${secs(r.connectMs)} |`,
    `| events published; answers whose \`delivered\` ≠ subscribers | ${int(r.published)}; ${int(r.deliveredMismatch)} |`,
    `| deliveries received / expected | ${int(c.received)} / ${int(c.expected)} |`,
    `| missing / duplicate / out of order; clients incomplete; disconnected | ${lossCell(r)}; ${int(c.incompleteClients)}; ${int(c.closedEarly)} |`,
    `| **publish → last client** p50 / p99 / max ms (target p99 < ${TARGET_P99_MS}) | **${p(r.lastClient, ['p50', 'p99', 'max'])}** |`,
    `| publish → last WebSocket client; last SSE client, p50 / p99 ms | ${p(r.lastClientWs)}; ${p(r.lastClientSse)} |`,
    `| publish → each delivery p50 / p99 ms: WebSocket; SSE | ${p(r.delivery.ws)}; ${p(r.delivery.sse)} |`,
    `| POST sent → hub's \`at\` stamp; stamp → first client; stamp → last client, p50 / p99 ms | ${p(r.toHub)}; ${p(r.hubToFirst)}; ${p(r.hubToLast)} |`,
    `| publish POST round trip p50 / p99 ms; back-to-back publishes/s | ${p(r.post)}; ${r.publishesPerSec === null ? 'n/a' : int(r.publishesPerSec)} |`,
    `| CPU while publishing, in cores: workerd / client processes / publisher | ${cores(r)} |`,
  ].join('\n')
}

function sweepTable(rows: ScenarioResult[]) {
  const lines = [
    '| WebSockets | connected | connect | missing / dup / out of order | publish → last client p50 / p99 / max ms | hub stamp → first / last client p50 ms | each delivery p50 / p99 ms | POST p50 ms | publishes/s | CPU cores workerd / clients / publisher | |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ]
  for (const r of rows) {
    const flag = r.lost ? '**lost**' : r.saturated ? `**p99 ≥ ${TARGET_P99_MS} ms**` : 'ok'
    lines.push(
      `| ${int(r.asked.ws)} | ${int(r.connected.ws)} | ${secs(r.connectMs)} | ${lossCell(r)} | ${p(r.lastClient, ['p50', 'p99', 'max'])} | ${p(r.hubToFirst, ['p50'])} / ${p(r.hubToLast, ['p50'])} | ${p(r.delivery.ws)} | ` +
        `${p(r.post, ['p50'])} | ${r.publishesPerSec === null ? 'n/a' : int(r.publishesPerSec)} | ${cores(r)} | ${flag} |`,
    )
  }
  return lines.join('\n')
}

export function saturation(rows: ScenarioResult[]) {
  if (!rows.length) return 'No sweep (BENCH_RT_SWEEP=none).'
  const first = rows.find((r) => r.saturated)
  const max = Math.max(...rows.map((r) => r.asked.ws))
  if (!first)
    return `**No saturation up to ${int(max)} WebSockets**: every sweep step delivered every event with p99 publish → last client under ${TARGET_P99_MS} ms.`
  const why = first.lost
    ? `lost events or subscribers (${first.problems.join('; ')})`
    : `p99 publish → last client ${p(first.lastClient, ['p99'])} ms ≥ ${TARGET_P99_MS} ms ` +
      `(of which POST sent → hub stamp p99 ${p(first.toHub, ['p99'])} ms, hub stamp → last client p99 ${p(first.hubToLast, ['p99'])} ms)`
  const below = rows.filter((r) => r.asked.ws < first.asked.ws && !r.saturated).map((r) => r.asked.ws)
  return `**One hub saturates at ${int(first.asked.ws)} WebSockets** on this machine: ${why}.${below.length ? ` The largest step within the target was ${int(Math.max(...below))}.` : ''}`
}

export function section(o: {
  main: ScenarioResult
  sweep: ScenarioResult[]
  opts: Options
  startedAt: Date
  seconds: number
  load: { start: number; end: number }
}) {
  const { main, sweep, opts } = o
  const when = o.startedAt.toISOString().slice(0, 16).replace('T', ' ')
  const env = ['BENCH_RT_WS', 'BENCH_RT_SSE', 'BENCH_RT_EVENTS', 'BENCH_RT_GAP_MS', 'BENCH_RT_SWEEP', 'BENCH_RT_PROCS']
    .filter((k) => process.env[k])
    .map((k) => `${k}=${process.env[k]}`)
  const clock = [main, ...sweep].reduce(
    (m, r) => (Math.abs(r.clock.offsetMs) > Math.abs(m.offsetMs) ? r.clock : m),
    main.clock,
  )
  return [
    `## ${when} UTC: realtime fan-out (\`npm run bench:realtime\`${env.length ? `, ${env.join(' ')}` : ''})`,
    '',
    `- Machine: ${machine()}`,
    `- Load: per scenario a fresh \`public:\` channel (one ChannelHub), anonymous subscribers in ${opts.processes} Node client processes; ` +
      `${opts.events} events published one after another as the demo admin (\`POST /api/v1/sse/admin/send/channel/{channel}\`, each awaited, then ${opts.gapMs} ms) after ${WARMUP} unmeasured ones; ` +
      `client clocks corrected to the publisher's (largest offset ${ms(clock.offsetMs)} ms over a ${ms(clock.rttMs)} ms IPC round trip); ` +
      `1-minute load average ${o.load.start.toFixed(1)} at the start, ${o.load.end.toFixed(1)} at the end; whole run ${Math.round(o.seconds)} s`,
    '',
    `**${int(main.asked.ws)} WebSocket + ${int(main.asked.sse)} SSE subscribers, one channel:**`,
    '',
    mainTable(main),
    '',
    `- ${verdict(main).text}`,
    ...(main.problems.length ? [`- Problems: ${main.problems.join('; ')}.`] : []),
    '',
    ...(sweep.length
      ? [`**Saturation sweep, WebSockets only:**`, '', sweepTable(sweep), '', `- ${saturation(sweep)}`, '']
      : []),
  ].join('\n')
}
