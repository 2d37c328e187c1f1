import { DurableObject } from 'cloudflare:workers'
import { and, eq, lte } from 'drizzle-orm'
import { createDb, type Database } from '../db/client'
import { devices } from '../db/schema'
import { loadConfig } from '../env'
import { emptyState, evaluate, type EngineState, type Transition } from '../features/alerts/alert-engine'
import { applyTransitions, toAlertOut, type AlertChange, type DeviceContext } from '../features/alerts/alerts.store'
import { loadDevice } from '../features/readings/ingest.service'
import { storeReadings, type NormalizedReading } from '../features/readings/readings.store'
import { sha256Hex, timingSafeEqual } from '../lib/crypto'
import { publish } from '../features/realtime/hub.service'
import { emit } from '../events'
import { errorFields, log } from '../lib/logger'

/** How long the object keeps its Postgres pool open without a call. */
const POOL_IDLE_MS = 30_000
/** How long a device's key hash and cold cell rules are trusted before being read again. */
const AUTH_TTL_MS = 60_000
/** How far lastSeenAt (and the newest reading evaluated) in storage may lag behind the latest reading. */
const SEEN_REFRESH_MS = 60_000

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

type Stored = { engine: EngineState; device: DeviceContext | null; lastSeenAt: number | null; offline: boolean }

/**
 * One object per device: the alert engine's state between readings (pending streaks, open
 * alerts) lives in its storage, readings and alert transitions go to Postgres, and events go to
 * the `coldcell:<id>` and `customer:<id>` channels. Calls run one at a time (a Postgres round
 * trip would otherwise let two batches interleave), and an alarm at lastSeen + threshold turns
 * a silent device OFFLINE with a SENSOR_ERROR alert.
 */
export class DeviceMonitor extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve()
  private pool: ReturnType<typeof createDb> | null = null
  private auth: { device: DeviceContext; keyHash: string; at: number; key?: string } | null = null
  private idle: ReturnType<typeof setTimeout> | undefined
  private lastUse = 0
  private newestEvaluated: number | null = null

  /**
   * Authenticates the device by its key, stores the batch, runs the new readings through the
   * engine, records and publishes what changed. Null when the key is not this device's.
   */
  async ingest(serialNumber: string, key: string, batch: NormalizedReading[]) {
    return this.serial(async () => {
      const device = await this.authenticate(serialNumber, key)
      if (!device) return null
      const s = await this.load()
      const now = Date.now()
      const { stored, changes, state } = await this.withDb(async (db) => {
        const stored = await storeReadings(db, device.deviceId, device.coldCellId, batch, now)
        const storedAt = new Set(stored)
        const fresh = batch.filter((r) => storedAt.has(r.recordedAt)).sort((a, b) => a.recordedAt - b.recordedAt)
        let engine = this.withNewest(s.engine)
        const transitions: Transition[] = []
        // Any reading ends an offline spell.
        if (engine.active.SENSOR_ERROR) {
          transitions.push({ kind: 'resolve', type: 'SENSOR_ERROR', value: null, at: now })
          const active = { ...engine.active }
          delete active.SENSOR_ERROR
          engine = { ...engine, active }
        }
        for (const r of fresh) {
          const step = evaluate(engine, r, device.rules)
          engine = step.state
          transitions.push(...step.transitions)
        }
        return { stored, state: engine, changes: await applyTransitions(db, device, transitions) }
      })
      // Streaks, open alerts and the device are written whenever they change. lastSeenAt and the
      // engine's lastReadingAt only need to be within a minute (Postgres has every reading, and the
      // offline check asks it before trusting an old lastSeenAt), so a steady stream writes nothing.
      this.newestEvaluated = state.lastReadingAt
      const stale = s.lastSeenAt === null || now - s.lastSeenAt >= SEEN_REFRESH_MS
      const changed = !sameJson([s.engine.streaks, s.engine.active, s.device], [state.streaks, state.active, device])
      if (stale || changed || s.offline) {
        await this.save({ engine: state, device, lastSeenAt: now, offline: false })
        // One pending alarm is enough: when it fires early it re-arms at lastSeen + threshold. It can
        // only be missing here (first reading, after OFFLINE or a reset, or a minute-stale lastSeenAt).
        if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + this.offlineAfterMs())
      }
      const latest = batch.reduce((a, b) => (b.recordedAt > a.recordedAt ? b : a))
      await this.announce(
        device,
        changes,
        stored.length
          ? { ...latest, recordedAt: new Date(latest.recordedAt).toISOString(), batch: stored.length }
          : null,
      )
      return {
        accepted: batch.length,
        stored: stored.length,
        alerts: changes.map((c) => ({ kind: c.kind, id: c.alert.id, type: c.alert.type })),
      }
    })
  }

  /**
   * The engine state with the newest reading this instance evaluated, which storage may hold up
   * to a minute late: a late reading is ignored as long as the object lives.
   */
  private withNewest(engine: EngineState): EngineState {
    const newest = this.newestEvaluated
    return newest !== null && (engine.lastReadingAt === null || engine.lastReadingAt < newest)
      ? { ...engine, lastReadingAt: newest }
      : engine
  }

  /** Drops the cached key and cold cell (key regenerated, device moved or deleted). */
  async forget() {
    this.auth = null
  }

  /**
   * The device when `key` is its key. The key hash, cold cell rules and customer are cached for a
   * minute (a mismatch re-reads them at once, so a new key works immediately), so a steady stream
   * of readings costs no lookup. Unknown serial, wrong key, another device's key: all null.
   */
  private async authenticate(serialNumber: string, key: string): Promise<DeviceContext | null> {
    const cached = this.auth && Date.now() - this.auth.at < AUTH_TTL_MS ? this.auth : null
    // The key that last matched is kept in memory, so a device's steady stream is not hashed each time.
    if (cached?.key !== undefined && timingSafeEqual(key, cached.key)) return cached.device
    const hash = await sha256Hex(key)
    if (cached && timingSafeEqual(hash, cached.keyHash)) {
      cached.key = key
      return cached.device
    }
    const found = await this.withDb((db) => loadDevice(db, serialNumber))
    const matches = !!found && timingSafeEqual(hash, found.keyHash)
    this.auth = found ? { ...found, at: Date.now(), key: matches ? key : undefined } : null
    if (!matches) return null
    const s = await this.load()
    // The same serial registered again as a new device: the old one's alert state does not carry over.
    if (s.device && s.device.deviceId !== found.device.deviceId) {
      this.newestEvaluated = null
      await this.save({ engine: emptyState(), device: null, lastSeenAt: null, offline: false })
    }
    return found.device
  }

  /** What the engine holds, for inspection. */
  async state() {
    return this.load()
  }

  override async alarm() {
    await this.checkOffline()
  }

  /**
   * Marks the device OFFLINE with a SENSOR_ERROR alert when it has been silent past the threshold
   * (else re-arms the alarm). The alarm calls it; so does the cron sweep, for a missed alarm.
   */
  async checkOffline() {
    return this.serial(async () => {
      const s = await this.load()
      if (!s.device || s.lastSeenAt === null || s.offline) return false
      const threshold = this.offlineAfterMs()
      if (Date.now() - s.lastSeenAt < threshold) {
        await this.ctx.storage.setAlarm(s.lastSeenAt + threshold)
        return false
      }
      const device = s.device
      const outcome = await this.withDb(async (db) => {
        const [row] = await db
          .select({ lastSeenAt: devices.lastSeenAt })
          .from(devices)
          .where(eq(devices.id, device.deviceId))
        if (!row) return { kind: 'gone' } as const
        // Storage's lastSeenAt may lag by up to a minute; Postgres has every reading's.
        const seenAt = Math.max(s.lastSeenAt!, row.lastSeenAt?.getTime() ?? 0)
        if (Date.now() - seenAt < threshold) return { kind: 'seen', seenAt } as const
        await db
          .update(devices)
          .set({ status: 'OFFLINE' })
          .where(and(eq(devices.id, device.deviceId), lte(devices.lastSeenAt, new Date(seenAt))))
        return {
          kind: 'offline',
          changes: await applyTransitions(db, device, [
            { kind: 'open', type: 'SENSOR_ERROR', value: null, at: Date.now() },
          ]),
        } as const
      })
      // The device was deleted: nothing to watch any more.
      if (outcome.kind === 'gone') {
        this.newestEvaluated = null
        await this.ctx.storage.deleteAll()
        return false
      }
      if (outcome.kind === 'seen') {
        await this.save({ ...s, lastSeenAt: outcome.seenAt })
        await this.ctx.storage.setAlarm(outcome.seenAt + threshold)
        return false
      }
      const { changes } = outcome
      await this.save({
        ...s,
        offline: true,
        engine: { ...s.engine, active: { ...s.engine.active, SENSOR_ERROR: true } },
      })
      await this.announce(device, changes, null)
      return true
    })
  }

  private async announce(d: DeviceContext, changes: AlertChange[], reading: Record<string, unknown> | null) {
    const config = loadConfig(this.env)
    const hubs = config.bindings.CHANNEL_HUB
    const channels = [`coldcell:${d.coldCellId}`, `customer:${d.customerId}`]
    const sends: Promise<unknown>[] = []
    if (reading)
      for (const ch of channels)
        sends.push(
          publish(hubs, ch, 'reading', {
            deviceId: d.deviceId,
            serialNumber: d.serialNumber,
            coldCellId: d.coldCellId,
            ...reading,
          } as never),
        )
    for (const c of changes)
      for (const ch of channels) sends.push(publish(hubs, ch, `alert.${c.kind}`, toAlertOut(c.alert)))
    const failed = (await Promise.allSettled(sends)).filter((r) => r.status === 'rejected')
    if (failed.length) log('warn', 'device events not published', { deviceId: d.deviceId, failed: failed.length })
    const events = changes.filter((c) => c.kind !== 'updated')
    if (!events.length) return
    // Notifications and emails run after the reply; they open their own connection.
    this.ctx.waitUntil(
      this.withDb(async (db) => {
        for (const c of events)
          await emit(
            c.kind === 'triggered' ? 'alert.triggered' : 'alert.resolved',
            { alert: toAlertOut(c.alert), serialNumber: d.serialNumber, coldCellName: d.coldCellName },
            { db, config },
          )
      }).catch((err: unknown) => log('error', 'alert events failed', { deviceId: d.deviceId, ...errorFields(err) })),
    )
  }

  private offlineAfterMs() {
    return loadConfig(this.env).DEVICE_OFFLINE_AFTER_SECONDS * 1000
  }

  /**
   * Runs `fn` on the object's own pool, kept while readings keep coming (unlike a Worker request,
   * a Durable Object may hold a connection across calls) and closed after 30 s of quiet. A failing
   * call drops the pool, so a broken connection is never reused.
   */
  private async withDb<T>(fn: (db: Database) => Promise<T>) {
    if (!this.pool) {
      const config = loadConfig(this.env)
      this.pool = createDb({ url: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY, idleTimeoutMs: 0 })
    }
    const pool = this.pool
    this.lastUse = Date.now()
    this.idle ??= setTimeout(() => this.closeIdlePool(), POOL_IDLE_MS)
    try {
      return await fn(pool.db)
    } catch (err) {
      if (this.pool === pool) this.pool = null
      await pool.close().catch(() => undefined)
      throw err
    } finally {
      this.lastUse = Date.now()
    }
  }

  /** One timer per idle period rather than one per call: it re-arms itself while calls keep coming. */
  private closeIdlePool() {
    this.idle = undefined
    const quiet = Date.now() - this.lastUse
    if (quiet < POOL_IDLE_MS) {
      this.idle = setTimeout(() => this.closeIdlePool(), POOL_IDLE_MS - quiet)
      return
    }
    const pool = this.pool
    this.pool = null
    pool?.close().catch(() => undefined)
  }

  private async load(): Promise<Stored> {
    return (
      (await this.ctx.storage.get<Stored>('state')) ?? {
        engine: emptyState(),
        device: null,
        lastSeenAt: null,
        offline: false,
      }
    )
  }

  private async save(s: Stored) {
    await this.ctx.storage.put('state', s)
  }

  /** Runs calls one after another, so two batches of one device never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => undefined)
    return run
  }
}
