import { DurableObject } from 'cloudflare:workers'
import { poolOf, type PoolDatabase } from '../db/client'
import { loadConfig } from '../env'
import { AlertSchema } from '../features/alerts/alerts.schemas'
import type { AlertChange, DeviceContext } from '../features/alerts/transitions.service'
import { checkSilence, ingestBatch, loadDevice, publishDeviceEvents } from '../features/readings/ingest.service'
import { KeyCache } from '../features/readings/key-cache'
import {
  emptyMonitorState,
  offlineDue,
  readingEvent,
  type MonitorState,
  type ReadingEvent,
} from '../features/readings/pipeline'
import type { NormalizedReading } from '../features/readings/readings.service'
import { emit } from '../events'
import { acrossRpc } from '../lib/dependency-errors'
import { errorFields, log } from '../lib/logger'
import { flushSoon } from '../lib/metrics/middleware'
import { count } from '../lib/metrics/recorder'

/** How long the object keeps its Postgres pool open without a call. */
const POOL_IDLE_MS = 30_000

/**
 * One object per device, a host for the readings pipeline (features/readings/pipeline.ts): the
 * alert engine's state between readings (pending streaks, open alerts) lives in its storage,
 * readings and alert transitions go to Postgres, and events go to the `coldcell:<id>` and
 * `customer:<id>` channels. Calls run one at a time (a Postgres round trip would otherwise let two
 * batches interleave), and an alarm at lastSeen + threshold turns a silent device OFFLINE with a
 * SENSOR_ERROR alert.
 */
export class DeviceMonitor extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve()
  private pool: ReturnType<typeof poolOf> | null = null
  private keys = new KeyCache()
  private idle: ReturnType<typeof setTimeout> | undefined
  private lastUse = 0
  /** The newest reading this instance evaluated: storage may hold it up to a minute late. */
  private newestEvaluated: number | null = null

  /**
   * Authenticates the device by its key, stores the batch, runs the new readings through the
   * engine, records and publishes what changed. Null when the key is not this device's.
   */
  async ingest(serialNumber: string, key: string, batch: NormalizedReading[]) {
    return this.serial(async () => {
      const device = await this.keys.check(key, () => this.withDb((db) => loadDevice(db, serialNumber)))
      if (!device) return null
      const s = await this.load()
      const now = Date.now()
      const newest = this.newestEvaluated
      const { stored, step, changes } = await this.withDb((db) => ingestBatch(db, s, { device, batch, now, newest }))
      this.newestEvaluated = step.newest
      if (step.save) {
        await this.save(step.save)
        // One pending alarm is enough: when it fires early it re-arms at lastSeen + threshold. It can
        // only be missing here (first reading, after OFFLINE or a reset, or a minute-stale lastSeenAt).
        if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + this.offlineAfterMs())
      }
      await this.announce(device, changes, readingEvent(device, batch, stored.length))
      return {
        accepted: batch.length,
        stored: stored.length,
        alerts: changes.map((c) => ({ kind: c.kind, id: c.alert.id, type: c.alert.type })),
      }
    })
  }

  /** Drops the cached key and cold cell (key regenerated, device moved or deleted). */
  async forget() {
    this.keys.forget()
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
      const threshold = this.offlineAfterMs()
      const due = offlineDue(s, Date.now(), threshold)
      if (due.kind === 'rearm') await this.ctx.storage.setAlarm(due.at)
      if (due.kind !== 'check') return false
      const outcome = await this.withDb((db) => checkSilence(db, s, due.device, threshold))
      // The device was deleted: nothing to watch any more.
      if (!outcome) {
        this.newestEvaluated = null
        await this.ctx.storage.deleteAll()
        return false
      }
      await this.save(outcome.save)
      if (outcome.kind === 'seen') {
        await this.ctx.storage.setAlarm(outcome.alarmAt)
        return false
      }
      await this.announce(due.device, outcome.changes, null)
      return true
    })
  }

  private async announce(d: DeviceContext, changes: AlertChange[], reading: ReadingEvent | null) {
    const config = loadConfig(this.env)
    await publishDeviceEvents(config.bindings.CHANNEL_HUB, d, changes, reading)
    const events = changes.filter((c) => c.kind !== 'updated')
    if (!events.length) return
    for (const c of events) {
      count(c.kind === 'triggered' ? 'outpost_alerts_opened_total' : 'outpost_alerts_resolved_total', {
        type: c.alert.type,
      })
    }
    flushSoon(config, (flush) => this.ctx.waitUntil(flush))
    // Notifications and emails run after the reply; they open their own connection.
    this.ctx.waitUntil(
      this.withDb(async (db) => {
        for (const c of events)
          await emit(
            c.kind === 'triggered' ? 'alert.triggered' : 'alert.resolved',
            { alert: AlertSchema.decode(c.alert), serialNumber: d.serialNumber, coldCellName: d.coldCellName },
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
  private async withDb<T>(fn: (db: PoolDatabase) => Promise<T>) {
    if (!this.pool) {
      const config = loadConfig(this.env)
      this.pool = poolOf(config, { idleTimeoutMs: 0 })
    }
    const pool = this.pool
    this.lastUse = Date.now()
    this.idle ??= setTimeout(() => this.closeIdlePool(), POOL_IDLE_MS)
    try {
      return await fn(pool.db)
    } catch (err) {
      if (this.pool === pool) this.pool = null
      await pool.close().catch(() => undefined)
      throw acrossRpc(err)
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

  private async load(): Promise<MonitorState> {
    return (await this.ctx.storage.get<MonitorState>('state')) ?? emptyMonitorState()
  }

  private async save(s: MonitorState) {
    await this.ctx.storage.put('state', s)
  }

  /** Runs calls one after another, so two batches of one device never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => undefined)
    return run
  }
}
