/** The alert engine and the readings pipeline as plain functions: no Durable Object, no Postgres. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  backOnline,
  type CellRules,
  emptyState,
  evaluate,
  markOffline,
  mayTransition,
  type Transition,
} from '../src/features/alerts/alert-engine'
import { alertChannels, type DeviceContext } from '../src/features/alerts/transitions.service'
import { KeyCache } from '../src/features/readings/key-cache'
import {
  emptyMonitorState,
  ingestStep,
  type MonitorState,
  offlineDue,
  offlineStep,
  readingEvent,
  SEEN_REFRESH_MS,
} from '../src/features/readings/pipeline'
import type { NormalizedReading } from '../src/features/readings/readings.service'
import { sha256Hex } from '../src/lib/crypto'

const RULES: CellRules = { minTemp: 0, maxTemp: 4, pendingReadings: 1, pendingSeconds: 0, deadband: 0.5 }
const T0 = Date.parse('2026-11-21T10:00:00Z')
const at = (s: number) => T0 + s * 1000

/** Feeds readings (temperature, or [temperature, power]) one second apart; returns every transition. */
function feed(list: (number | [number, boolean])[], rules: Partial<CellRules> = {}, state = emptyState()) {
  const transitions: Transition[] = []
  list.forEach((r, i) => {
    const [temperature, powerStatus] = typeof r === 'number' ? [r, true] : r
    const step = evaluate(state, { recordedAt: at(i), temperature, powerStatus }, { ...RULES, ...rules })
    state = step.state
    transitions.push(...step.transitions)
  })
  return { state, transitions, kinds: transitions.map((t) => `${t.kind}:${t.type}`) }
}

describe('alert engine', () => {
  it('opens HIGH_TEMP once, repeats while it lasts, holds inside the deadband and resolves past it', () => {
    const { transitions, state } = feed([3, 6, 7, 3.8, 3.4])
    expect(transitions).toEqual([
      { kind: 'open', type: 'HIGH_TEMP', value: 6, at: at(1) },
      { kind: 'repeat', type: 'HIGH_TEMP', value: 7, at: at(2) },
      { kind: 'resolve', type: 'HIGH_TEMP', value: 3.4, at: at(4) },
    ])
    expect(state).toEqual({ lastReadingAt: at(4), streaks: {}, active: {} })
  })

  it('opens LOW_TEMP below the minimum and resolves it only at minimum + deadband', () => {
    expect(feed([-1, 0.2, 0.5]).kinds).toEqual(['open:LOW_TEMP', 'resolve:LOW_TEMP'])
    expect(feed([-1, 0.2]).state.active).toEqual({ LOW_TEMP: true })
  })

  it('opens POWER_LOSS without a value and resolves it when power is back', () => {
    const { transitions } = feed([[2, false], [2, false], 2])
    expect(transitions).toEqual([
      { kind: 'open', type: 'POWER_LOSS', value: null, at: at(0) },
      { kind: 'repeat', type: 'POWER_LOSS', value: null, at: at(1) },
      { kind: 'resolve', type: 'POWER_LOSS', value: null, at: at(2) },
    ])
  })

  it('waits for pendingReadings breaches in a row; an in-range reading breaks the streak', () => {
    expect(feed([6, 6, 2, 6, 6], { pendingReadings: 3 }).kinds).toEqual([])
    const { kinds, state } = feed([6, 6, 2, 6, 6, 6], { pendingReadings: 3 })
    expect(kinds).toEqual(['open:HIGH_TEMP'])
    expect(state.streaks).toEqual({})
    expect(feed([6, 6], { pendingReadings: 3 }).state.streaks).toEqual({ HIGH_TEMP: { count: 2, since: at(0) } })
  })

  it('opens once a breach has lasted pendingSeconds, however few readings it took', () => {
    const rules = { ...RULES, pendingReadings: 100, pendingSeconds: 120 }
    let state = evaluate(emptyState(), { recordedAt: at(0), temperature: 6, powerStatus: true }, rules).state
    const early = evaluate(state, { recordedAt: at(119), temperature: 6, powerStatus: true }, rules)
    expect(early.transitions).toEqual([])
    state = early.state
    expect(evaluate(state, { recordedAt: at(120), temperature: 6, powerStatus: true }, rules).transitions).toEqual([
      { kind: 'open', type: 'HIGH_TEMP', value: 6, at: at(120) },
    ])
  })

  it('never opens a second alert of a type while one is open, and keeps types apart', () => {
    const { kinds } = feed([6, 6, [6, false], 6])
    expect(kinds).toEqual([
      'open:HIGH_TEMP',
      'repeat:HIGH_TEMP',
      'repeat:HIGH_TEMP',
      'open:POWER_LOSS',
      'repeat:HIGH_TEMP',
      'resolve:POWER_LOSS',
    ])
  })

  it('ignores a reading not newer than the last one evaluated, and never changes the state it is given', () => {
    const { state } = feed([2, 6])
    const frozen = structuredClone(state)
    expect(evaluate(state, { recordedAt: at(1), temperature: 9, powerStatus: false }, RULES)).toEqual({
      state,
      transitions: [],
    })
    evaluate(state, { recordedAt: at(5), temperature: 2, powerStatus: true }, RULES)
    expect(state).toEqual(frozen)
  })

  it('opens SENSOR_ERROR when the device goes offline, once, and readings alone never touch it', () => {
    const offline = markOffline(feed([6]).state, at(900))
    expect(offline.transitions).toEqual([{ kind: 'open', type: 'SENSOR_ERROR', value: null, at: at(900) }])
    expect(offline.state.active).toEqual({ HIGH_TEMP: true, SENSOR_ERROR: true })
    expect(markOffline(offline.state, at(901))).toEqual({ state: offline.state, transitions: [] })
    const readings = feed([2, 9, 2], {}, markOffline(emptyState(), at(900)).state)
    expect(readings.kinds).toEqual(['open:HIGH_TEMP', 'resolve:HIGH_TEMP'])
    expect(readings.state.active).toEqual({ SENSOR_ERROR: true })
  })

  it('resolves SENSOR_ERROR when the device is back online, and does nothing when it was not offline', () => {
    const { state } = markOffline(emptyState(), at(900))
    const back = backOnline(state, at(960))
    expect(back.transitions).toEqual([{ kind: 'resolve', type: 'SENSOR_ERROR', value: null, at: at(960) }])
    expect(back.state.active).toEqual({})
    expect(state.active).toEqual({ SENSOR_ERROR: true })
    expect(backOnline(back.state, at(961))).toEqual({ state: back.state, transitions: [] })
  })
})

const DEVICE: DeviceContext = {
  deviceId: 'd1',
  serialNumber: 'SN-1',
  coldCellId: 'c1',
  coldCellName: 'Chiller 1',
  customerId: 'k1',
  rules: RULES,
}
const reading = (s: number, temperature: number, powerStatus = true): NormalizedReading => ({
  recordedAt: at(s),
  temperature,
  humidity: null,
  powerStatus,
  doorStatus: null,
  batteryLevel: null,
})
/** One batch through the pipeline; every reading counts as newly stored unless `stored` says otherwise. */
const step = (
  s: MonitorState,
  batch: NormalizedReading[],
  now: number,
  extra: { stored?: number[]; newest?: number } = {},
) =>
  ingestStep(s, {
    device: DEVICE,
    batch,
    now,
    stored: extra.stored ?? batch.map((r) => r.recordedAt),
    newest: extra.newest ?? null,
  })

describe('readings pipeline', () => {
  it('evaluates only the readings Postgres stored, in device-time order', () => {
    const batch = [reading(3, 6), reading(2, 2), reading(1, 6), reading(0, 6)]
    const first = step(emptyMonitorState(), batch, at(10))
    expect(first.transitions.map((t) => `${t.kind}:${t.type}@${t.at}`)).toEqual([
      `open:HIGH_TEMP@${at(0)}`,
      `repeat:HIGH_TEMP@${at(1)}`,
      `resolve:HIGH_TEMP@${at(2)}`,
      `open:HIGH_TEMP@${at(3)}`,
    ])
    expect(first.newest).toBe(at(3))
    const resent = step(emptyMonitorState(), batch, at(10), { stored: [at(2)] })
    expect(resent.transitions).toEqual([])
  })

  it('stores the state when alerts or streaks change and when lastSeenAt is a minute old, not otherwise', () => {
    const first = step(emptyMonitorState(), [reading(0, 2)], at(0))
    expect(first.save).toEqual({
      engine: { lastReadingAt: at(0), streaks: {}, active: {} },
      device: DEVICE,
      lastSeenAt: at(0),
      offline: false,
    })
    const s = first.save!
    expect(step(s, [reading(1, 2.5)], at(1)).save).toBeNull()
    expect(step(s, [reading(1, 6)], at(1)).save?.engine.active).toEqual({ HIGH_TEMP: true })
    expect(step(s, [reading(60, 2)], at(0) + SEEN_REFRESH_MS).save?.lastSeenAt).toBe(at(0) + SEEN_REFRESH_MS)
  })

  it('ignores a late reading older than the newest one the instance evaluated, though storage lags', () => {
    const s = step(emptyMonitorState(), [reading(0, 2)], at(0)).save!
    expect(step(s, [reading(5, 9)], at(6), { newest: at(10) })).toMatchObject({
      transitions: [],
      save: null,
      newest: at(10),
    })
    expect(step(s, [reading(5, 9)], at(6)).transitions).toHaveLength(1)
  })

  it('ends an offline spell with any reading, even a resent one, and stores that it is back', () => {
    const offline = offlineStep(step(emptyMonitorState(), [reading(0, 2)], at(0)).save!, at(0), at(1000), 900_000)
    const back = step(offline.save, [reading(0, 2)], at(1001), { stored: [] })
    expect(back.transitions).toEqual([{ kind: 'resolve', type: 'SENSOR_ERROR', value: null, at: at(1001) }])
    expect(back.save).toMatchObject({ offline: false, lastSeenAt: at(1001) })
    expect(back.save?.engine.active).toEqual({})
  })

  it('starts afresh when the serial now belongs to another device', () => {
    const old = step(emptyMonitorState(), [reading(0, 6)], at(0)).save!
    const other = { ...DEVICE, deviceId: 'd2' }
    const next = ingestStep(old, { device: other, batch: [reading(0, 6)], stored: [at(0)], now: at(1), newest: at(0) })
    expect(next.transitions).toEqual([{ kind: 'open', type: 'HIGH_TEMP', value: 6, at: at(0) }])
    expect(next.save).toMatchObject({ device: other, engine: { active: { HIGH_TEMP: true } } })
  })

  it('announces the newest reading of a batch with how many rows were new, and nothing when none was', () => {
    const batch = [reading(1, 3), reading(2, 4), reading(0, 5)]
    expect(readingEvent(DEVICE, batch, 2)).toEqual({
      deviceId: 'd1',
      serialNumber: 'SN-1',
      coldCellId: 'c1',
      recordedAt: new Date(at(2)).toISOString(),
      temperature: 4,
      humidity: null,
      powerStatus: true,
      doorStatus: null,
      batteryLevel: null,
      batch: 2,
    })
    expect(readingEvent(DEVICE, batch, 0)).toBeNull()
    expect(alertChannels(DEVICE)).toEqual(['coldcell:c1', 'customer:k1'])
  })

  it('re-arms the offline alarm until the threshold has passed, then asks Postgres; idle once offline', () => {
    const s = step(emptyMonitorState(), [reading(0, 2)], at(0)).save!
    expect(offlineDue(emptyMonitorState(), at(5000), 900_000)).toEqual({ kind: 'idle' })
    expect(offlineDue(s, at(600), 900_000)).toEqual({ kind: 'rearm', at: at(900) })
    expect(offlineDue(s, at(900), 900_000)).toEqual({ kind: 'check', device: DEVICE })
    expect(offlineDue({ ...s, offline: true }, at(5000), 900_000)).toEqual({ kind: 'idle' })
  })

  it('trusts a newer lastSeenAt from Postgres, else goes offline with SENSOR_ERROR', () => {
    const s = step(emptyMonitorState(), [reading(0, 2)], at(0)).save!
    expect(offlineStep(s, at(500), at(900), 900_000)).toEqual({
      kind: 'seen',
      save: { ...s, lastSeenAt: at(500) },
      alarmAt: at(1400),
    })
    const offline = offlineStep(s, null, at(900), 900_000)
    expect(offline).toEqual({
      kind: 'offline',
      seenAt: at(0),
      transitions: [{ kind: 'open', type: 'SENSOR_ERROR', value: null, at: at(900) }],
      save: { ...s, offline: true, engine: { ...s.engine, active: { SENSOR_ERROR: true } } },
    })
  })
})

describe('device key cache', () => {
  const found = async (key: string) => ({ device: DEVICE, keyHash: await sha256Hex(key) })

  it('looks a device up once for a steady key, and refuses a wrong one', async () => {
    const cache = new KeyCache()
    let lookups = 0
    const lookup = () => {
      lookups++
      return found('odk_right')
    }
    expect(await cache.check('odk_right', lookup)).toBe(DEVICE)
    expect(await cache.check('odk_right', lookup)).toBe(DEVICE)
    expect(lookups).toBe(1)
    expect(await cache.check('odk_wrong', lookup)).toBeNull()
    expect(await cache.check('odk_x', async () => null)).toBeNull()
  })

  it('reads the device again at once for a new key, and after forget', async () => {
    const cache = new KeyCache()
    let lookups = 0
    const lookup = (key: string) => () => {
      lookups++
      return found(key)
    }
    expect(await cache.check('odk_old', lookup('odk_old'))).toBe(DEVICE)
    expect(await cache.check('odk_new', lookup('odk_new'))).toBe(DEVICE)
    cache.forget()
    expect(await cache.check('odk_new', lookup('odk_new'))).toBe(DEVICE)
    expect(lookups).toBe(3)
  })
})

describe('mayTransition (a batch that cannot change an alert skips the transaction)', () => {
  it('is false only when no subset of the readings, in any state it allows, makes a transition', () => {
    const rules = fc.record({
      minTemp: fc.integer({ min: -30, max: 2 }),
      maxTemp: fc.integer({ min: 3, max: 10 }),
      pendingReadings: fc.integer({ min: 1, max: 4 }),
      pendingSeconds: fc.constantFrom(0, 60, 600),
      deadband: fc.constantFrom(0, 0.5, 1),
    })
    const type = fc.constantFrom('HIGH_TEMP', 'LOW_TEMP', 'POWER_LOSS', 'SENSOR_ERROR' as const)
    const state = fc.record({
      lastReadingAt: fc.constantFrom(null, at(0)),
      streaks: fc.dictionary(type, fc.record({ count: fc.integer({ min: 1, max: 3 }), since: fc.constant(at(0)) })),
      active: fc.dictionary(type, fc.constant(true as const)),
    })
    const readings = fc.array(
      fc.record({
        recordedAt: fc.integer({ min: 1, max: 3600 }).map(at),
        temperature: fc.double({ min: -40, max: 20, noNaN: true }),
        powerStatus: fc.boolean(),
      }),
      { maxLength: 8 },
    )
    fc.assert(
      fc.property(
        rules,
        state,
        readings,
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        (r, s, batch, keep) => {
          fc.pre(!mayTransition(s, batch, r))
          // Postgres may find any subset of the batch new; the pipeline evaluates those in device-time order.
          const fresh = batch.filter((_, i) => keep[i]).sort((a, b) => a.recordedAt - b.recordedAt)
          let engine = backOnline(s, at(4000))
          const transitions = [...engine.transitions]
          for (const reading of fresh) {
            engine = evaluate(engine.state, reading, r)
            transitions.push(...engine.transitions)
          }
          expect(transitions).toEqual([])
        },
      ),
      { seed: 17, numRuns: 2000 },
    )
    expect(mayTransition(emptyState(), [{ recordedAt: at(1), temperature: 2, powerStatus: true }], RULES)).toBe(false)
    expect(mayTransition(emptyState(), [{ recordedAt: at(1), temperature: 9, powerStatus: true }], RULES)).toBe(true)
    expect(mayTransition(emptyState(), [{ recordedAt: at(1), temperature: 2, powerStatus: false }], RULES)).toBe(true)
    expect(mayTransition({ ...emptyState(), active: { SENSOR_ERROR: true } }, [], RULES)).toBe(true)
  })
})
