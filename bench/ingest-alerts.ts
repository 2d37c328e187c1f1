/**
 * Reading → alert on a socket, for bench/ingest.ts: one device on its own cold cell, one admin
 * WebSocket on `coldcell:<id>`, then pairs of readings posted one at a time: a breach (9 °C, above
 * the cell's 4 °C, so HIGH_TEMP opens at once) and a recovery (2 °C, inside by more than the
 * deadband, so it resolves). Each breach therefore opens a new alert, and the time from sending its
 * POST to the `alert.triggered` frame arriving is measured.
 */
import http from 'node:http'
import WebSocket from 'ws'
import type { BenchDevice } from './ingest-fixtures'
import { send, type Planned } from './ingest-load'

export const BREACH_C = 9
export const RECOVERY_C = 2
/** Unmeasured pairs first: the first call wakes the device's monitor and the cell's hub. */
export const ALERT_WARMUP = 2
const FRAME_TIMEOUT_MS = 5_000

/** Wall clock with sub-ms precision, comparable with workerd's `at` stamps (same host clock). */
const now = () => performance.timeOrigin + performance.now()

/** A channel event as one socket saw it; `id` is the channel's event id, `payload` the event's own. */
export type Frame = {
  event: string
  id: number | null
  alertId: string | null
  payload: unknown
  hubAt: number | null
  arrivedAt: number
}

export type AlertSample = {
  i: number
  /** POST sent → its 202 answer. */
  postMs: number
  /** POST sent → the `alert.triggered` frame of the alert the answer named (null: never arrived). */
  frameMs: number | null
  /** POST sent → the hub's `at` stamp on that frame (workerd's clock, ms precision). */
  hubMs: number | null
  /** The recovery's POST sent → its `alert.resolved` frame. */
  resolvedFrameMs: number | null
}

export type AlertRun = {
  breaches: number
  samples: AlertSample[]
  readingsSent: number
  /** Answers other than 202 with exactly the expected transition, and frames that never came. */
  problems: string[]
  framesByEvent: Record<string, number>
}

/** A WebSocket on `channel` signed in with `token`; resolves at its `connected` frame, then pushes every channel event to `frames`. */
export function openSocket(
  url: string,
  channel: string,
  token: string,
  frames: Frame[],
  onFrame: () => void,
): Promise<WebSocket> {
  const wsUrl = `${url.replace(/^http/, 'ws')}/api/v1/realtime/channels/${encodeURIComponent(channel)}/ws?access_token=${encodeURIComponent(token)}`
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, handshakeTimeout: 10_000 })
    let ready = false
    ws.on('message', (data) => {
      const arrivedAt = now()
      const m = JSON.parse(data.toString()) as {
        event: string
        data?: { id?: number; event?: string; at?: string; payload?: { id?: string } }
      }
      if (!ready) {
        if (m.event === 'connected') {
          ready = true
          resolve(ws)
        }
        return
      }
      if (m.event !== 'message' || !m.data?.event) return
      frames.push({
        event: m.data.event,
        id: m.data.id ?? null,
        alertId: m.data.payload?.id ?? null,
        payload: m.data.payload,
        hubAt: m.data.at ? Date.parse(m.data.at) : null,
        arrivedAt,
      })
      onFrame()
    })
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () =>
        reject(new Error(`WebSocket handshake on ${channel}: ${res.statusCode} ${body.slice(0, 300)}`)),
      )
    })
    ws.on('error', (err) => !ready && reject(err))
    ws.on(
      'close',
      (code, reason) =>
        !ready && reject(new Error(`WebSocket on ${channel} closed before connected (${code} ${reason.toString()})`)),
    )
  })
}

type Transition = { kind: string; id: string; type: string }

export async function alertLatency(opts: {
  url: string
  token: string
  device: BenchDevice
  breaches: number
  gapMs: number
}): Promise<AlertRun> {
  const frames: Frame[] = []
  let wake = () => {}
  const ws = await openSocket(opts.url, `coldcell:${opts.device.coldCellId}`, opts.token, frames, () => wake())
  const base = new URL(opts.url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const problems: string[] = []
  let lastRecordedAt = 0
  let readingsSent = 0

  /** The frame of `event` for `alertId`, or null after FRAME_TIMEOUT_MS. */
  const frameFor = async (event: string, alertId: string) => {
    const deadline = Date.now() + FRAME_TIMEOUT_MS
    for (;;) {
      const f = frames.find((x) => x.event === event && x.alertId === alertId)
      if (f || Date.now() >= deadline) return f ?? null
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  /** Posts one reading; returns when it was sent and the alert transition of `kind` the answer names. */
  const post = async (temperature: number, kind: 'triggered' | 'resolved', label: string) => {
    const recordedAt = (lastRecordedAt = Math.max(Date.now(), lastRecordedAt + 1))
    const req: Planned = {
      method: 'POST',
      path: `/api/v1/readings/devices/${encodeURIComponent(opts.device.serialNumber)}/readings`,
      headers: { 'x-device-key': opts.device.key },
      body: JSON.stringify({
        temperature,
        humidity: 50,
        powerStatus: true,
        doorStatus: false,
        batteryLevel: 90,
        recordedAt: new Date(recordedAt).toISOString(),
      }),
      readings: 1,
    }
    readingsSent++
    const sentAt = now()
    const a = await send(base, agent, req)
    if ('error' in a) return void problems.push(`${label}: ${a.error}`)
    const alerts = a.status === 202 ? (JSON.parse(a.body) as { data: { alerts: Transition[] } }).data.alerts : []
    const t = alerts.find((x) => x.kind === kind && x.type === 'HIGH_TEMP')
    if (!t)
      return void problems.push(
        `${label}: expected 202 with a HIGH_TEMP ${kind}, got ${a.status} ${a.body.slice(0, 200)}`,
      )
    return { sentAt, postMs: a.ms, alertId: t.id }
  }

  const pair = async (i: number): Promise<AlertSample | undefined> => {
    const breach = await post(BREACH_C, 'triggered', `breach ${i}`)
    const triggered = breach && (await frameFor('alert.triggered', breach.alertId))
    if (breach && !triggered)
      problems.push(`breach ${i}: no alert.triggered frame for ${breach.alertId} within ${FRAME_TIMEOUT_MS} ms`)
    await sleep(opts.gapMs)
    const recovery = await post(RECOVERY_C, 'resolved', `recovery ${i}`)
    const resolved = recovery && (await frameFor('alert.resolved', recovery.alertId))
    if (recovery && !resolved)
      problems.push(`recovery ${i}: no alert.resolved frame for ${recovery.alertId} within ${FRAME_TIMEOUT_MS} ms`)
    await sleep(opts.gapMs)
    if (!breach) return undefined
    return {
      i,
      postMs: breach.postMs,
      frameMs: triggered ? triggered.arrivedAt - breach.sentAt : null,
      hubMs: triggered?.hubAt ? triggered.hubAt - breach.sentAt : null,
      resolvedFrameMs: recovery && resolved ? resolved.arrivedAt - recovery.sentAt : null,
    }
  }

  try {
    for (let i = 0; i < ALERT_WARMUP; i++) await pair(-1 - i)
    const warmupProblems = problems.splice(0)
    if (warmupProblems.length) throw new Error(`alert warm-up failed: ${warmupProblems.join('; ')}`)
    const samples: AlertSample[] = []
    for (let i = 0; i < opts.breaches; i++) {
      const s = await pair(i)
      if (s) samples.push(s)
    }
    const framesByEvent: Record<string, number> = {}
    for (const f of frames) framesByEvent[f.event] = (framesByEvent[f.event] ?? 0) + 1
    return { breaches: opts.breaches, samples, readingsSent, problems, framesByEvent }
  } finally {
    ws.terminate()
    agent.destroy()
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
