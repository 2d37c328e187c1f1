import type { AlertType } from '../../db/schema'

/** A cold cell's thresholds and alert tuning (see cold_cells). */
export type CellRules = {
  minTemp: number
  maxTemp: number
  pendingReadings: number
  pendingSeconds: number
  deadband: number
}

export type EngineReading = { recordedAt: number; temperature: number; powerStatus: boolean }

type Streak = { count: number; since: number }

/** What a device's monitor remembers between readings. Plain JSON: it lives in the object's storage. */
export type EngineState = {
  /** recordedAt of the newest reading evaluated; older ones (a late batch) are stored but not evaluated. */
  lastReadingAt: number | null
  /** Breaching readings in a row per type, while no alert of that type is open. */
  streaks: Partial<Record<AlertType, Streak>>
  /** Types with an open alert (Postgres finds it by device and type: at most one is ACTIVE). */
  active: Partial<Record<AlertType, true>>
}

export const emptyState = (): EngineState => ({ lastReadingAt: null, streaks: {}, active: {} })

export type Transition = { kind: 'open' | 'repeat' | 'resolve'; type: AlertType; value: number | null; at: number }

/** The engine's next state and the alert transitions that lead to it, to be written in order. */
export type Step = { state: EngineState; transitions: Transition[] }

const READING_TYPES = ['HIGH_TEMP', 'LOW_TEMP', 'POWER_LOSS'] as const

function breaches(type: (typeof READING_TYPES)[number], r: EngineReading, rules: CellRules) {
  if (type === 'HIGH_TEMP') return r.temperature > rules.maxTemp
  if (type === 'LOW_TEMP') return r.temperature < rules.minTemp
  return !r.powerStatus
}

/** Back to normal with margin: inside the threshold by the deadband, so a value hovering at the edge does not flap. */
function recovered(type: (typeof READING_TYPES)[number], r: EngineReading, rules: CellRules) {
  if (type === 'HIGH_TEMP') return r.temperature <= rules.maxTemp - rules.deadband
  if (type === 'LOW_TEMP') return r.temperature >= rules.minTemp + rules.deadband
  return r.powerStatus
}

const measuredValue = (type: AlertType, r: EngineReading) => (type === 'POWER_LOSS' ? null : r.temperature)

/**
 * Feeds one reading through the rules. Pure: returns the next state and the alert transitions.
 * - an alert opens after `pendingReadings` breaching readings in a row, or once a breach has
 *   lasted `pendingSeconds` (when set);
 * - while open, each further breach is a `repeat` (lastTriggeredAt, counter), never a second alert;
 * - it resolves only when the reading has recovered past the deadband.
 */
export function evaluate(state: EngineState, r: EngineReading, rules: CellRules): Step {
  if (state.lastReadingAt !== null && r.recordedAt <= state.lastReadingAt) return { state, transitions: [] }
  const next: EngineState = { lastReadingAt: r.recordedAt, streaks: { ...state.streaks }, active: { ...state.active } }
  const transitions: Transition[] = []
  for (const type of READING_TYPES) {
    const breach = breaches(type, r, rules)
    if (next.active[type]) {
      if (breach) transitions.push({ kind: 'repeat', type, value: measuredValue(type, r), at: r.recordedAt })
      else if (recovered(type, r, rules)) {
        delete next.active[type]
        transitions.push({ kind: 'resolve', type, value: measuredValue(type, r), at: r.recordedAt })
      }
      continue
    }
    if (!breach) {
      delete next.streaks[type]
      continue
    }
    const streak = next.streaks[type]
      ? { count: next.streaks[type].count + 1, since: next.streaks[type].since }
      : { count: 1, since: r.recordedAt }
    const longEnough = rules.pendingSeconds > 0 && r.recordedAt - streak.since >= rules.pendingSeconds * 1000
    if (streak.count >= rules.pendingReadings || longEnough) {
      delete next.streaks[type]
      next.active[type] = true
      transitions.push({ kind: 'open', type, value: measuredValue(type, r), at: r.recordedAt })
    } else next.streaks[type] = streak
  }
  return { state: next, transitions }
}

/**
 * Whether these readings could change any alert, whichever of them Postgres finds new: with no alert open and no
 * reading breaching, nothing can open, repeat or resolve (a streak only grows on a breach).
 */
export function mayTransition(state: EngineState, readings: EngineReading[], rules: CellRules) {
  return (
    Object.keys(state.active).length > 0 || readings.some((r) => READING_TYPES.some((type) => breaches(type, r, rules)))
  )
}

/**
 * The device has been silent past its threshold: SENSOR_ERROR opens. Readings never open or
 * repeat it (silence is not a reading); one that is already open stays as it is.
 */
export function markOffline(state: EngineState, at: number): Step {
  if (state.active.SENSOR_ERROR) return { state, transitions: [] }
  return {
    state: { ...state, active: { ...state.active, SENSOR_ERROR: true } },
    transitions: [{ kind: 'open', type: 'SENSOR_ERROR', value: null, at }],
  }
}

/** Any reading ends an offline spell: an open SENSOR_ERROR resolves, whatever the reading says. */
export function backOnline(state: EngineState, at: number): Step {
  if (!state.active.SENSOR_ERROR) return { state, transitions: [] }
  const active = { ...state.active }
  delete active.SENSOR_ERROR
  return { state: { ...state, active }, transitions: [{ kind: 'resolve', type: 'SENSOR_ERROR', value: null, at }] }
}
