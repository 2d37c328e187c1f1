/**
 * Change → frame on N signed-in sockets of one channel, for bench/collab.ts and bench/dashboard.ts.
 * The measured sockets live in child processes (bench/realtime-clients.ts, as in bench:realtime),
 * each signed in with one of `tokens`. The change is an ordinary API request (a PATCH, a reading
 * POST) whose answer does not name the channel event it caused, so one more socket in this process,
 * the probe (not measured, not counted), maps each request to its event id through a key taken from
 * the event's payload. Latencies are from this process sending the request to a client receiving
 * the frame (client clocks corrected as in bench:realtime); the completeness check is bench:realtime's.
 */
import type WebSocket from 'ws'
import { openSocket, type Frame } from './ingest-alerts'
import { cpuBetween, snapshot } from './proc-cpu'
import { hubCounts, openSubscribers, type Subscribers } from './realtime-clients'
import { fmtPct, summarize, type Published, type ScenarioResult } from './realtime-report'

/** One request that should cause one channel event; `key` is what `keyOf` returns for that event's payload. */
export type Sent = { seq: number; key: string; sentAt: number; answeredAt: number; error?: string }

export const now = () => performance.timeOrigin + performance.now()
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export type FanOut = {
  subs: Subscribers
  /**
   * Runs `warmup` (unmeasured; resolves with how many events it caused) and then `act`, and
   * checks every event of `act` reached every socket exactly once, in order.
   */
  measure: (o: {
    name: string
    warmup: () => Promise<number>
    act: () => Promise<Sent[]>
    graceMs: number
  }) => Promise<ScenarioResult>
  stop: () => Promise<void>
}

export async function openFanOut(o: {
  url: string
  channel: string
  /** The channel event each request causes. */
  event: string
  sockets: number
  processes: number
  /** Tokens the measured sockets sign in with, round-robin. */
  tokens: string[]
  /** The probe's token, and an admin's for the hub's own count. */
  probeToken: string
  adminToken: string
  keyOf: (payload: unknown) => string | null
}): Promise<FanOut> {
  const subs = await openSubscribers({
    url: o.url,
    channel: o.channel,
    ws: o.sockets,
    sse: 0,
    processes: o.processes,
    connectTimeoutMs: 120_000 + 50 * o.sockets,
    tokens: o.tokens,
    event: o.event,
  })
  const frames: Frame[] = []
  let wake = () => {}
  let probe: WebSocket
  try {
    probe = await openSocket(o.url, o.channel, o.probeToken, frames, () => wake())
  } catch (err) {
    await subs.stop()
    throw err
  }
  const ofEvent = () => frames.filter((f) => f.event === o.event)
  const waitFor = async (done: () => boolean, graceMs: number) => {
    const deadline = now() + graceMs
    while (!done() && now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  const measure: FanOut['measure'] = async (m) => {
    const warm = await m.warmup()
    await waitFor(() => ofEvent().length >= warm, m.graceMs)
    const ignoreBelow = Math.max(0, ...ofEvent().flatMap((f) => (f.id === null ? [] : [f.id]))) + 1
    const seen = frames.length
    const hub = await hubCounts(o.url, o.adminToken, o.channel)
    const a = snapshot()
    const sent = await m.act()
    const keys = new Set(sent.map((s) => s.key))
    const ids = new Map<string, number>()
    const take = () => {
      for (const f of frames.slice(seen))
        if (f.event === o.event && f.id !== null) {
          const key = o.keyOf(f.payload)
          if (key !== null && keys.has(key)) ids.set(key, f.id)
        }
      return ids.size >= keys.size
    }
    await waitFor(take, m.graceMs)
    take()
    const published: Published[] = sent.map((s) => {
      const id = ids.get(s.key)
      const base = { seq: s.seq, sentAt: s.sentAt, answeredAt: s.answeredAt }
      if (s.error) return { ...base, error: s.error }
      return id === undefined ? { ...base, error: 'no frame on the probe socket' } : { ...base, id }
    })
    const ok = published.flatMap((p) => ('id' in p ? [p] : []))
    const received = await subs.collect(
      ok.map((p) => p.id),
      m.graceMs,
      { sentAt: ok.map((p) => p.sentAt), ignoreBelow },
    )
    const cpu = cpuBetween(a, snapshot())
    // The probe is one more socket on the hub: not one of the measured subscribers.
    const counted = 'error' in hub ? hub : { websockets: hub.websockets - 1, sse: hub.sse }
    return summarize({
      name: m.name,
      channel: o.channel,
      ws: o.sockets,
      sse: 0,
      subs,
      hub: counted,
      published,
      received,
      cpu,
    })
  }

  return {
    subs,
    measure,
    stop: async () => {
      probe.terminate()
      await subs.stop()
    },
  }
}

/**
 * The markdown rows of one fan-out measurement, then whether every `event` frame reached every socket
 * exactly once, in order; `what` names the request ("PATCH sent", "reading POST sent").
 */
export function fanOutTable(r: ScenarioResult, what: string, event: string) {
  const c = r.completeness
  const hub = 'error' in r.hub ? r.hub.error : String(r.hub.websockets)
  const cores = ['workerd', 'postgres', 'node helpers', 'bench', 'machine']
    .map((k) => (r.cpu[k] ?? 0).toFixed(2))
    .join(' / ')
  return [
    '| measure | value |',
    '|---|---:|',
    `| sockets connected (the hub's own count) | ${r.connected.ws} (${hub}), in ${(r.connectMs / 1000).toFixed(1)} s |`,
    `| events measured; deliveries received / expected | ${r.published}; ${c.received} / ${c.expected} |`,
    `| missing / duplicate / out of order / unexpected; disconnected | ${c.missing} / ${c.duplicates} / ${c.outOfOrder} / ${c.unexpected}; ${c.closedEarly} |`,
    `| **${what} → last socket's frame** p50 / p99 / max ms | **${fmtPct(r.lastClient, ['p50', 'p99', 'max'])}** |`,
    `| ${what} → each socket's frame, p50 / p99 ms | ${fmtPct(r.delivery.ws)} |`,
    `| ${what} → hub's \`at\` stamp; stamp → first socket; stamp → last socket, p50 / p99 ms | ${fmtPct(r.toHub)}; ${fmtPct(r.hubToFirst)}; ${fmtPct(r.hubToLast)} |`,
    `| request round trip p50 / p99 ms | ${fmtPct(r.post)} |`,
    `| CPU meanwhile, in cores: workerd / Postgres / Node helpers (socket clients, proxy) / bench / whole machine | ${cores} |`,
    '',
    `- ${r.lost ? `**FAILED**: not every ${event} reached every socket exactly once, in order` : `Every ${event} reached every socket exactly once, in order`}` +
      `${r.problems.length ? ` (${r.problems.join('; ')})` : ''}.`,
  ].join('\n')
}
