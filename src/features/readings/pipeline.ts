import {
  backOnline,
  emptyState,
  evaluate,
  markOffline,
  type EngineState,
  type Transition,
} from '../alerts/alert-engine'
import type { DeviceContext } from '../alerts/transitions.service'
import type { NormalizedReading } from './readings.service'

/**
 * A device monitor's decisions, as plain functions of (state, input) → (next state, effects): what
 * to write to Postgres (alert transitions), what to store and when to wake. The DeviceMonitor
 * object runs the effects; these never touch storage, Postgres or the clock.
 */

/** How far lastSeenAt (and the newest reading evaluated) in storage may lag behind the latest reading. */
export const SEEN_REFRESH_MS = 60_000

/** What a device's monitor keeps in its storage, as one JSON value. */
export type MonitorState = {
  engine: EngineState
  device: DeviceContext | null
  lastSeenAt: number | null
  offline: boolean
}

export const emptyMonitorState = (): MonitorState => ({
  engine: emptyState(),
  device: null,
  lastSeenAt: null,
  offline: false,
})

export type IngestInput = {
  device: DeviceContext
  batch: NormalizedReading[]
  /** recordedAt of the readings Postgres stored: a resent one is neither stored nor evaluated again. */
  stored: number[]
  now: number
  /** The newest reading this object instance evaluated; storage may hold it up to a minute late. */
  newest: number | null
}

export type IngestStep = {
  /** Alert transitions to write, in order. */
  transitions: Transition[]
  /** The state to store, or null when storage may stay as it is. */
  save: MonitorState | null
  /** The newest reading evaluated, for the instance to remember. */
  newest: number | null
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * A batch that Postgres has stored: it ends an offline spell, its new readings go through the
 * engine in device-time order, and the state is stored only when streaks, open alerts or the
 * device change, when it was offline, or when lastSeenAt is a minute old. lastSeenAt and the
 * engine's lastReadingAt may lag that long (Postgres has every reading, and the offline check asks
 * it before trusting an old lastSeenAt), so a steady stream of in-range readings stores nothing.
 */
export function ingestStep(s: MonitorState, { device, batch, stored, now, newest }: IngestInput): IngestStep {
  // The same serial registered again as a new device: the old one's alert state does not carry over.
  const renewed = s.device !== null && s.device.deviceId !== device.deviceId
  const base = renewed ? emptyMonitorState() : s
  const storedAt = new Set(stored)
  const fresh = batch.filter((r) => storedAt.has(r.recordedAt)).sort((a, b) => a.recordedAt - b.recordedAt)
  const online = backOnline(renewed ? base.engine : withNewest(base.engine, newest), now)
  let engine = online.state
  const transitions = online.transitions
  for (const r of fresh) {
    const step = evaluate(engine, r, device.rules)
    engine = step.state
    transitions.push(...step.transitions)
  }
  const stale = base.lastSeenAt === null || now - base.lastSeenAt >= SEEN_REFRESH_MS
  const changed = !sameJson(
    [base.engine.streaks, base.engine.active, base.device],
    [engine.streaks, engine.active, device],
  )
  const save = stale || changed || base.offline ? { engine, device, lastSeenAt: now, offline: false } : null
  return { transitions, save, newest: engine.lastReadingAt }
}

/**
 * The engine state with the newest reading the instance evaluated, which storage may hold up to
 * a minute late: a late reading is ignored as long as the object lives.
 */
function withNewest(engine: EngineState, newest: number | null): EngineState {
  return newest !== null && (engine.lastReadingAt === null || engine.lastReadingAt < newest)
    ? { ...engine, lastReadingAt: newest }
    : engine
}

/** The `reading` event of a batch: its newest reading and how many rows were new; null when none was. */
export function readingEvent(d: DeviceContext, batch: NormalizedReading[], stored: number) {
  if (!stored) return null
  const latest = batch.reduce((a, b) => (b.recordedAt > a.recordedAt ? b : a))
  return {
    deviceId: d.deviceId,
    serialNumber: d.serialNumber,
    coldCellId: d.coldCellId,
    ...latest,
    recordedAt: new Date(latest.recordedAt).toISOString(),
    batch: stored,
  }
}
export type ReadingEvent = NonNullable<ReturnType<typeof readingEvent>>

/**
 * What the offline alarm does first: nothing (no device yet, or already OFFLINE), re-arm at
 * lastSeen + threshold (not silent long enough), or ask Postgres when the device was last seen.
 */
export function offlineDue(
  s: MonitorState,
  now: number,
  thresholdMs: number,
): { kind: 'idle' } | { kind: 'rearm'; at: number } | { kind: 'check'; device: DeviceContext } {
  if (!s.device || s.lastSeenAt === null || s.offline) return { kind: 'idle' }
  if (now - s.lastSeenAt < thresholdMs) return { kind: 'rearm', at: s.lastSeenAt + thresholdMs }
  return { kind: 'check', device: s.device }
}

export type OfflineStep =
  | { kind: 'seen'; save: MonitorState; alarmAt: number }
  | { kind: 'offline'; seenAt: number; save: MonitorState; transitions: Transition[] }

/**
 * Decides with Postgres's lastSeenAt (storage's may lag by up to a minute; Postgres has every
 * reading's): seen within the threshold, the alarm re-arms from then; else the device goes OFFLINE
 * (where Postgres has seen nothing newer than `seenAt`) with a SENSOR_ERROR alert.
 */
export function offlineStep(
  s: MonitorState,
  seenInPostgres: number | null,
  now: number,
  thresholdMs: number,
): OfflineStep {
  const seenAt = Math.max(s.lastSeenAt ?? 0, seenInPostgres ?? 0)
  if (now - seenAt < thresholdMs)
    return { kind: 'seen', save: { ...s, lastSeenAt: seenAt }, alarmAt: seenAt + thresholdMs }
  const { state, transitions } = markOffline(s.engine, now)
  return { kind: 'offline', seenAt, transitions, save: { ...s, offline: true, engine: state } }
}
