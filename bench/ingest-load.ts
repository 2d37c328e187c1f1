/**
 * The closed-loop HTTP load of bench/ingest.ts: `connections` keep-alive connections, each sending
 * its next request as soon as the previous one answered, until the deadline. No request is cut off
 * at the deadline: the ones in flight are awaited, so every reading sent has a known outcome and
 * "sent" can be compared with the rows Postgres holds afterwards.
 */
import http from 'node:http'

export type Planned = {
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
  /** Readings in the body (0 for a GET). */
  readings: number
}

export type Answer = { status: number; body: string; ms: number } | { error: string; ms: number }

const now = () => performance.now()

/** One request over `agent`; resolves with the status and body, or the transport error. */
export function send(base: URL, agent: http.Agent, req: Planned, timeoutMs = 30_000): Promise<Answer> {
  return new Promise((resolve) => {
    const started = now()
    const body = req.body === undefined ? undefined : Buffer.from(req.body)
    const r = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.path,
        agent,
        headers: {
          ...req.headers,
          ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: now() - started }),
        )
        res.on('error', (err) => resolve({ error: err.message, ms: now() - started }))
      },
    )
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    r.on('error', (err) => resolve({ error: err.message, ms: now() - started }))
    r.end(body)
  })
}

export type LoadResult = {
  connections: number
  warmupMs: number
  durationMs: number
  /** Every request, the warm-up and the drain after the deadline included. */
  total: {
    requests: number
    ok: number
    statusCodes: Record<string, number>
    errors: number
    /** Up to 5 distinct non-2xx bodies / transport errors, with counts. */
    failureSamples: string[]
    /** Readings in every request sent, and in those answered 2xx. */
    readingsSent: number
    readingsOk: number
    /** Sums of the 2xx answers' `data.accepted` / `data.stored`, and alert transitions named in them. */
    accepted: number
    storedByAnswers: number
    alertsInAnswers: number
    /** The deadline → the last answer in flight at it. */
    drainMs: number
  }
  /** Answers received inside the measured window (after the warm-up, before the deadline). */
  window: {
    requests: number
    ok: number
    readingsOk: number
    /** One per answer, ms. */
    latencies: number[]
    /** Answers per whole second of the window. */
    perSecond: number[]
  }
}

type IngestAnswer = { data?: { accepted?: number; stored?: number; alerts?: unknown[] } }

/**
 * Drives `plan()` requests over `connections` connections: `warmupMs` unmeasured, then `durationMs`
 * measured, without a pause in between (so the window sees a steady state, not a ramp). Requests in
 * flight at the deadline are awaited and counted in `total` only. `onWindow` runs at the start and
 * the end of the window (CPU snapshots, counters).
 */
export async function drive(
  url: string,
  opts: {
    connections: number
    warmupMs: number
    durationMs: number
    plan: () => Planned
    ingest: boolean
    onWindow?: (edge: 'start' | 'end') => void
  },
): Promise<LoadResult> {
  const base = new URL(url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections })
  const t: LoadResult['total'] = {
    requests: 0,
    ok: 0,
    statusCodes: {},
    errors: 0,
    failureSamples: [],
    readingsSent: 0,
    readingsOk: 0,
    accepted: 0,
    storedByAnswers: 0,
    alertsInAnswers: 0,
    drainMs: 0,
  }
  const w: LoadResult['window'] = {
    requests: 0,
    ok: 0,
    readingsOk: 0,
    latencies: [],
    perSecond: Array.from({ length: Math.ceil(opts.durationMs / 1000) }, () => 0),
  }
  const failures = new Map<string, number>()
  const fail = (what: string) => failures.set(what, (failures.get(what) ?? 0) + 1)
  const started = now()
  const windowStart = started + opts.warmupMs
  const deadline = windowStart + opts.durationMs
  const pending = new Map<'start' | 'end', ReturnType<typeof setTimeout>>()
  const edge = (e: 'start' | 'end') => {
    clearTimeout(pending.get(e))
    if (pending.delete(e)) opts.onWindow?.(e)
  }
  pending.set(
    'start',
    setTimeout(() => edge('start'), opts.warmupMs),
  )
  pending.set(
    'end',
    setTimeout(() => edge('end'), opts.warmupMs + opts.durationMs),
  )
  let last = started
  const loop = async () => {
    while (now() < deadline) {
      const req = opts.plan()
      t.readingsSent += req.readings
      const a = await send(base, agent, req)
      const at = (last = now())
      const inWindow = at >= windowStart && at < deadline
      if (inWindow) {
        w.requests++
        w.latencies.push(a.ms)
        w.perSecond[Math.floor((at - windowStart) / 1000)]!++
      }
      if ('error' in a) {
        t.errors++
        fail(`error: ${a.error}`)
        continue
      }
      t.requests++
      t.statusCodes[a.status] = (t.statusCodes[a.status] ?? 0) + 1
      if (a.status < 200 || a.status >= 300) {
        fail(`${a.status} ${a.body.slice(0, 200)}`)
        continue
      }
      t.ok++
      t.readingsOk += req.readings
      if (inWindow) {
        w.ok++
        w.readingsOk += req.readings
      }
      if (!opts.ingest) continue
      try {
        const d = (JSON.parse(a.body) as IngestAnswer).data
        t.accepted += d?.accepted ?? 0
        t.storedByAnswers += d?.stored ?? 0
        t.alertsInAnswers += d?.alerts?.length ?? 0
      } catch {
        fail(`${a.status} unparsable body: ${a.body.slice(0, 200)}`)
      }
    }
  }
  await Promise.all(Array.from({ length: opts.connections }, loop))
  edge('start') // no-ops unless every loop finished before a timer fired
  edge('end')
  agent.destroy()
  t.drainMs = Math.max(0, last - deadline)
  t.failureSamples = [...failures]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([s, n]) => `${n}× ${s}`)
  return { connections: opts.connections, warmupMs: opts.warmupMs, durationMs: opts.durationMs, total: t, window: w }
}
