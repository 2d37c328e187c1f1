/**
 * The subscribers of bench/realtime.ts, spread over child processes (bench/realtime-child.ts) so
 * that receiving never shares an event loop with the publisher, and merged back into one view.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

export type ParentRequest =
  | { type: 'clock'; seq: number }
  | { type: 'collect'; ids: number[]; graceMs: number; sentAt?: number[]; ignoreBelow?: number }
  | { type: 'stop' }

type Transport = 'ws' | 'sse'

export type ChildResult = {
  clients: number
  /** Clients that missed an event or got one twice. */
  incomplete: number
  missing: number
  duplicates: number
  outOfOrder: number
  /** Channel events nobody published in this run. */
  unexpected: number
  closedEarly: string[]
  /** Per published event: how many clients got it, when the first one did and when the last one of each transport did; `hubAt` is the hub's `at` stamp (workerd's clock). */
  events: Array<{
    id: number
    sentAt: number | null
    hubAt: number | null
    received: number
    firstAt: number | null
    lastAt: Record<Transport, number | null>
  }>
  /** Publish → receive, ms, one per delivery. */
  latencies: Record<Transport, number[]>
}

export type ChildReport =
  | { type: 'connected'; ws: number; sse: number; failures: string[]; ms: number }
  | { type: 'clock'; seq: number; now: number }
  | { type: 'result'; result: ChildResult }

type Connected = Extract<ChildReport, { type: 'connected' }>

const now = () => performance.timeOrigin + performance.now()

/** A parent that dies without cleaning up must not leave client processes (and their sockets) behind. */
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL')
})

/** Splits `n` into `parts` near-equal shares. */
const split = (n: number, parts: number) =>
  Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0))

class Child {
  readonly proc: ChildProcess
  /** Added to this child's times to put them on the parent's clock. */
  offset = 0
  private readonly waiting = new Map<string, (m: ChildReport) => void>()

  constructor(env: Record<string, string>) {
    this.proc = fork('bench/realtime-child.ts', [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.proc.on('message', (m: ChildReport) => {
      const key = m.type === 'clock' ? `clock:${m.seq}` : m.type
      const resolve = this.waiting.get(key)
      this.waiting.delete(key)
      resolve?.(m)
    })
    live.add(this.proc)
    this.proc.once('exit', () => live.delete(this.proc))
  }

  next<T extends ChildReport>(key: string, timeoutMs: number, request?: ParentRequest): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`realtime client process: no "${key}" within ${timeoutMs} ms`)),
        timeoutMs,
      )
      const exited = (code: number | null) =>
        reject(new Error(`realtime client process exited (code ${code}) while waiting for "${key}"`))
      this.proc.once('exit', exited)
      this.waiting.set(key, (m) => {
        clearTimeout(timer)
        this.proc.off('exit', exited)
        resolve(m as T)
      })
      if (request) this.proc.send(request)
    })
  }

  /** The offset from the round trip with the smallest delay (NTP-style, the midpoint). */
  async syncClock(rounds = 10) {
    let best = { rtt: Infinity, offset: 0 }
    for (let seq = 0; seq < rounds; seq++) {
      const sent = now()
      const reply = await this.next<Extract<ChildReport, { type: 'clock' }>>(`clock:${seq}`, 5000, {
        type: 'clock',
        seq,
      })
      const back = now()
      if (back - sent < best.rtt) best = { rtt: back - sent, offset: (sent + back) / 2 - reply.now }
    }
    this.offset = best.offset
    return best
  }

  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return
    const gone = once(this.proc, 'exit')
    this.proc.send({ type: 'stop' } satisfies ParentRequest)
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000)
    await gone
    clearTimeout(timer)
  }
}

export type Subscribers = {
  ws: number
  sse: number
  failures: string[]
  /** From the first handshake to the last client connected (the slowest process). */
  connectMs: number
  /** The largest clock offset applied, and the round trip it was measured over. */
  clock: { offsetMs: number; rttMs: number }
  pids: number[]
  /**
   * Waits (at most `graceMs`) until every client has every event of `ids`, then tallies. `sentAt`
   * (this process's clock, one per id) is used for events whose payload carries no `sentAt`; ids
   * below `ignoreBelow` are unmeasured warm-ups recorded under the same event name.
   */
  collect: (ids: number[], graceMs: number, extra?: { sentAt?: number[]; ignoreBelow?: number }) => Promise<ChildResult>
  stop: () => Promise<void>
}

/** Opens `ws` + `sse` subscribers of `channel` over `processes` children; resolves once all are connected (or failed). */
export async function openSubscribers(opts: {
  url: string
  channel: string
  ws: number
  sse: number
  processes: number
  connectTimeoutMs: number
  /** Access tokens the WebSockets sign in with, round-robin (default: anonymous). */
  tokens?: string[]
  /** The channel event the clients record (default `bench`). */
  event?: string
}): Promise<Subscribers> {
  const wsShares = split(opts.ws, opts.processes)
  const sseShares = split(opts.sse, opts.processes)
  const children = wsShares.flatMap((ws, i) =>
    ws + sseShares[i]! === 0
      ? []
      : [
          new Child({
            BENCH_RT_URL: opts.url,
            BENCH_RT_CHANNEL: opts.channel,
            BENCH_RT_CHILD_WS: String(ws),
            BENCH_RT_CHILD_SSE: String(sseShares[i]),
            BENCH_RT_TOKENS: (opts.tokens ?? []).join(','),
            BENCH_RT_EVENT: opts.event ?? 'bench',
          }),
        ],
  )
  const stop = async () => void (await Promise.all(children.map((c) => c.stop())))
  try {
    const connected = await Promise.all(children.map((c) => c.next<Connected>('connected', opts.connectTimeoutMs)))
    let clock = { offsetMs: 0, rttMs: 0 }
    for (const c of children) {
      const { rtt, offset } = await c.syncClock()
      if (Math.abs(offset) >= Math.abs(clock.offsetMs)) clock = { offsetMs: offset, rttMs: rtt }
    }
    return {
      ws: connected.reduce((n, c) => n + c.ws, 0),
      sse: connected.reduce((n, c) => n + c.sse, 0),
      failures: connected.flatMap((c) => c.failures),
      connectMs: Math.max(...connected.map((c) => c.ms)),
      clock,
      pids: children.flatMap((c) => (c.proc.pid === undefined ? [] : [c.proc.pid])),
      collect: async (ids, graceMs, extra) =>
        merge(
          await Promise.all(
            children.map(async (c) =>
              shift(
                (
                  await c.next<Extract<ChildReport, { type: 'result' }>>('result', graceMs + 30_000, {
                    type: 'collect',
                    ids,
                    graceMs,
                    ...(extra?.sentAt ? { sentAt: extra.sentAt } : {}), // on this clock, like a payload's sentAt
                    ...(extra?.ignoreBelow === undefined ? {} : { ignoreBelow: extra.ignoreBelow }),
                  })
                ).result,
                c.offset,
              ),
            ),
          ),
        ),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** A child's result on the parent's clock. */
function shift(r: ChildResult, offset: number): ChildResult {
  const at = (t: number | null) => (t === null ? null : t + offset)
  const lat = (l: number[]) => l.map((x) => x + offset)
  return {
    ...r,
    events: r.events.map((e) => ({
      ...e,
      firstAt: at(e.firstAt),
      lastAt: { ws: at(e.lastAt.ws), sse: at(e.lastAt.sse) },
    })),
    latencies: { ws: lat(r.latencies.ws), sse: lat(r.latencies.sse) },
  }
}

function merge(results: ChildResult[]): ChildResult {
  const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b))
  const min = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b))
  const [first, ...rest] = results
  if (!first) throw new Error('no realtime client processes')
  return rest.reduce<ChildResult>(
    (m, r) => ({
      clients: m.clients + r.clients,
      incomplete: m.incomplete + r.incomplete,
      missing: m.missing + r.missing,
      duplicates: m.duplicates + r.duplicates,
      outOfOrder: m.outOfOrder + r.outOfOrder,
      unexpected: m.unexpected + r.unexpected,
      closedEarly: [...m.closedEarly, ...r.closedEarly],
      events: m.events.map((e, i) => {
        const o = r.events[i]!
        return {
          id: e.id,
          sentAt: e.sentAt ?? o.sentAt,
          hubAt: e.hubAt ?? o.hubAt,
          received: e.received + o.received,
          firstAt: min(e.firstAt, o.firstAt),
          lastAt: { ws: max(e.lastAt.ws, o.lastAt.ws), sse: max(e.lastAt.sse, o.lastAt.sse) },
        }
      }),
      latencies: { ws: [...m.latencies.ws, ...r.latencies.ws], sse: [...m.latencies.sse, ...r.latencies.sse] },
    }),
    first,
  )
}

/** What the hub itself counts on `channel` (`GET /api/v1/sse/admin/stats`, as an admin). */
export async function hubCounts(url: string, token: string, channel: string) {
  const res = await fetch(`${url}/api/v1/sse/admin/stats`, { headers: { authorization: `Bearer ${token}` } })
  if (!res.ok) return { error: `GET /sse/admin/stats -> ${res.status} ${(await res.text()).slice(0, 200)}` }
  const body = (await res.json()) as { data: { channels: Array<{ channel: string; websockets: number; sse: number }> } }
  const c = body.data.channels.find((ch) => ch.channel === channel)
  return c ? { websockets: c.websockets, sse: c.sse } : { error: `the directory does not list ${channel} as active` }
}
