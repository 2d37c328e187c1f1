/**
 * Child process of bench/realtime.ts: opens BENCH_RT_CHILD_WS WebSocket and BENCH_RT_CHILD_SSE SSE
 * subscribers on one channel and records when each channel event reaches each of them. Talks to
 * the parent over IPC (the messages are typed in bench/realtime-clients.ts). Anonymous by default;
 * with BENCH_RT_TOKENS (access tokens, comma-separated) WebSocket k signs in with token k mod n
 * (`?access_token=`). Records channel events named BENCH_RT_EVENT (default `bench`).
 *
 * Times are `performance.timeOrigin + performance.now()` of this process; the parent measures the
 * offset to its own clock (`clock` requests) and corrects them.
 */
import http from 'node:http'
import WebSocket from 'ws'
import type { ChildReport, ChildResult, ParentRequest } from './realtime-clients'

const now = () => performance.timeOrigin + performance.now()

const origin = process.env.BENCH_RT_URL!
const channel = process.env.BENCH_RT_CHANNEL!
const wsCount = Number(process.env.BENCH_RT_CHILD_WS ?? 0)
const sseCount = Number(process.env.BENCH_RT_CHILD_SSE ?? 0)
const tokens = (process.env.BENCH_RT_TOKENS ?? '').split(',').filter(Boolean)
const recorded = process.env.BENCH_RT_EVENT || 'bench'
/** Handshakes in flight at once from this process. */
const CONCURRENCY = Number(process.env.BENCH_RT_CHILD_CONCURRENCY ?? 32)
const CONNECT_TIMEOUT_MS = 30_000
/** The hub closes sockets silent for 60 s; an auto-answered ping keeps them open. */
const PING_EVERY_MS = 20_000

type Client = {
  transport: 'ws' | 'sse'
  ids: number[]
  at: number[]
  /** Set when the connection ended before the parent asked for results. */
  closed?: string
  stop: () => void
}

const clients: Client[] = []
const failures: string[] = []
const sentAt = new Map<number, number>()
const hubAt = new Map<number, number>()
let collecting = false

function send(report: ChildReport) {
  process.send?.(report)
}

type Received = { id: number; event?: string; at?: string; payload?: { sentAt?: number } }

/** `at`: taken when the frame arrived, before parsing it. */
function record(c: Client, m: Received, at: number) {
  c.at.push(at)
  c.ids.push(m.id)
  if (typeof m.payload?.sentAt === 'number') sentAt.set(m.id, m.payload.sentAt)
  if (m.at && !hubAt.has(m.id)) hubAt.set(m.id, Date.parse(m.at))
}

function openWs(k: number): Promise<Client> {
  const token = tokens.length ? `?access_token=${encodeURIComponent(tokens[k % tokens.length]!)}` : ''
  const url = `${origin.replace(/^http/, 'ws')}/api/v1/realtime/channels/${encodeURIComponent(channel)}/ws${token}`
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS })
    let timer: ReturnType<typeof setInterval> | undefined
    const c: Client = {
      transport: 'ws',
      ids: [],
      at: [],
      stop: () => {
        clearInterval(timer)
        ws.terminate()
      },
    }
    let ready = false
    ws.on('message', (data) => {
      const at = now()
      const text = data.toString()
      if (ready) {
        // Cheap pre-filter: only `message` frames carry channel events.
        if (!text.startsWith('{"event":"message"')) return
        const m = (JSON.parse(text) as { data: Received }).data
        if (m.event === recorded) record(c, m, at) // not the unmeasured warm-up events (another name)
        return
      }
      if (text.startsWith('{"event":"connected"')) {
        ready = true
        setTimeout(() => {
          timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"event":"ping"}'), PING_EVERY_MS)
        }, Math.random() * PING_EVERY_MS)
        resolve(c)
      }
    })
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => reject(new Error(`ws handshake ${res.statusCode}: ${body.slice(0, 200)}`)))
    })
    ws.on('error', (err) => (ready ? (c.closed ??= `error: ${err.message}`) : reject(err)))
    ws.on('close', (code, reason) => {
      clearInterval(timer)
      if (!ready) reject(new Error(`closed before connected (${code} ${reason.toString()})`))
      else if (!collecting) c.closed ??= `closed ${code} ${reason.toString()}`
    })
  })
}

function openSse(): Promise<Client> {
  const url = `${origin}/api/v1/sse/connect?channels=${encodeURIComponent(channel)}`
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' }, timeout: CONNECT_TIMEOUT_MS })
    const c: Client = { transport: 'sse', ids: [], at: [], stop: () => req.destroy() }
    let ready = false
    req.on('timeout', () => req.destroy(new Error('SSE connect timed out')))
    req.on('error', (err) => (ready ? (c.closed ??= `error: ${err.message}`) : reject(err)))
    req.on('response', (res) => {
      req.setTimeout(0)
      if (res.statusCode !== 200) {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => reject(new Error(`SSE ${res.statusCode}: ${body.slice(0, 200)}`)))
        return
      }
      res.setEncoding('utf8')
      let buffer = ''
      res.on('data', (chunk: string) => {
        const at = now()
        buffer += chunk
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          let event = 'message'
          let data = ''
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7)
            else if (line.startsWith('data: ')) data += line.slice(6)
          }
          if (event === 'connected' && !ready) {
            ready = true
            resolve(c)
          } else if (event === 'bench') record(c, JSON.parse(data) as Received, at)
        }
      })
      res.on('close', () => {
        if (!ready) reject(new Error('SSE stream ended before connected'))
        else if (!collecting) c.closed ??= 'stream ended'
      })
    })
  })
}

/** Opens everything, CONCURRENCY handshakes at a time. */
async function connectAll() {
  const started = now()
  const queue: Array<() => Promise<Client>> = [
    ...Array.from({ length: wsCount }, (_, k) => () => openWs(k)),
    ...Array<() => Promise<Client>>(sseCount).fill(openSse),
  ]
  let next = 0
  const worker = async () => {
    while (next < queue.length) {
      const open = queue[next++]!
      try {
        clients.push(await open())
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err))
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker))
  send({
    type: 'connected',
    ws: clients.filter((c) => c.transport === 'ws').length,
    sse: clients.filter((c) => c.transport === 'sse').length,
    failures,
    ms: now() - started,
  })
}

const complete = (expected: number, ignoreBelow: number) =>
  clients.every((c) => c.ids.reduce((n, id) => (id >= ignoreBelow ? n + 1 : n), 0) >= expected)

/**
 * `sentAt` (the parent's clock, one per id) stands in for events whose payload carries none;
 * events with an id below `ignoreBelow` are unmeasured warm-ups of the same name, not "unexpected".
 */
async function collect(ids: number[], graceMs: number, given: number[] = [], ignoreBelow = -Infinity) {
  given.forEach((t, i) => {
    if (!sentAt.has(ids[i]!)) sentAt.set(ids[i]!, t)
  })
  const deadline = now() + graceMs
  while (!complete(ids.length, ignoreBelow) && now() < deadline) await new Promise((r) => setTimeout(r, 20))
  collecting = true
  const index = new Map(ids.map((id, i) => [id, i]))
  const result: ChildResult = {
    clients: clients.length,
    incomplete: 0,
    missing: 0,
    duplicates: 0,
    outOfOrder: 0,
    unexpected: 0,
    closedEarly: clients.flatMap((c) => (c.closed ? [c.closed] : [])),
    events: ids.map((id) => ({
      id,
      sentAt: sentAt.get(id) ?? null,
      hubAt: hubAt.get(id) ?? null,
      received: 0,
      firstAt: null,
      lastAt: { ws: null, sse: null },
    })),
    latencies: { ws: [], sse: [] },
  }
  for (const c of clients) {
    const seen = new Set<number>()
    let prev = -Infinity
    c.ids.forEach((id, i) => {
      const e = index.get(id)
      if (e === undefined && id < ignoreBelow) return
      if (e === undefined) {
        result.unexpected++
        return
      }
      if (seen.has(id)) {
        result.duplicates++
        return
      }
      if (id < prev) result.outOfOrder++
      prev = Math.max(prev, id)
      seen.add(id)
      const ev = result.events[e]!
      ev.received++
      const at = c.at[i]!
      ev.firstAt = Math.min(ev.firstAt ?? Infinity, at)
      ev.lastAt[c.transport] = Math.max(ev.lastAt[c.transport] ?? -Infinity, at)
      if (ev.sentAt !== null) result.latencies[c.transport].push(Math.round((at - ev.sentAt) * 100) / 100)
    })
    const missing = ids.length - seen.size
    result.missing += missing
    if (missing || seen.size !== c.ids.length) result.incomplete++
  }
  send({ type: 'result', result })
}

function stop() {
  for (const c of clients) c.stop()
  process.exit(0)
}

process.on('message', (m: ParentRequest) => {
  if (m.type === 'clock') send({ type: 'clock', seq: m.seq, now: now() })
  else if (m.type === 'collect') void collect(m.ids, m.graceMs, m.sentAt, m.ignoreBelow)
  else if (m.type === 'stop') stop()
})
process.once('disconnect', stop)
process.once('SIGTERM', stop)
process.once('SIGINT', () => undefined) // the parent's Ctrl-C handling stops us through 'disconnect'

void connectAll()
