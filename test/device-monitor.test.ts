import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { alerts, devices, emails, notifications } from '../src/db/schema'
import type { DeviceMonitor } from '../src/objects/device-monitor'
import { data, seedUser, withDb } from './helpers'
import { post, reading, seedDevice } from './coldchain-fixtures'
import { openSocket } from './realtime-clients'

const alertsOf = (deviceId: string) =>
  withDb((db) => db.select().from(alerts).where(eq(alerts.deviceId, deviceId)).orderBy(alerts.createdAt))
const send = async (d: Awaited<ReturnType<typeof seedDevice>>, body: unknown) =>
  data(await post(d.serialNumber, d.key, body))
const until = async <T>(get: () => Promise<T>, ok: (v: T) => boolean, what: string) => {
  for (let i = 0; i < 150; i++) {
    const v = await get()
    if (ok(v)) return v
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`never happened: ${what}`)
}

describe('DeviceMonitor alert engine', () => {
  it('opens HIGH_TEMP once, counts repeats, holds it inside the deadband and auto-resolves past it', async () => {
    const d = await seedDevice({ minTemp: 0, maxTemp: 4, deadband: 0.5 })
    expect((await send(d, reading(3))).alerts).toEqual([])
    const opened = await send(d, reading(6))
    expect(opened.alerts).toMatchObject([{ kind: 'triggered', type: 'HIGH_TEMP' }])
    expect((await send(d, reading(7))).alerts).toMatchObject([{ kind: 'updated', id: opened.alerts[0]!.id }])
    expect((await send(d, reading(3.8))).alerts).toEqual([]) // below max, inside the 0.5 deadband
    let [alert] = await alertsOf(d.device.id)
    expect(alert).toMatchObject({
      status: 'ACTIVE',
      type: 'HIGH_TEMP',
      triggerCount: 2,
      value: 7,
      severity: 'CRITICAL',
      customerId: d.customerId,
      coldCellId: d.cell.id,
    })
    expect(alert!.lastTriggeredAt.getTime()).toBeGreaterThan(alert!.firstTriggeredAt.getTime())
    expect((await send(d, reading(3.4))).alerts).toMatchObject([{ kind: 'resolved', id: alert!.id }])
    ;[alert] = await alertsOf(d.device.id)
    expect(alert).toMatchObject({
      status: 'RESOLVED',
      autoResolved: true,
      resolvedBy: null,
      resolvedAt: expect.any(Date),
    })
    expect((await send(d, reading(9))).alerts).toMatchObject([{ kind: 'triggered' }])
    expect(await alertsOf(d.device.id)).toHaveLength(2)
  })

  it('handles LOW_TEMP and POWER_LOSS as separate alerts', async () => {
    const d = await seedDevice({ minTemp: -25, maxTemp: -18 })
    expect((await send(d, reading(-30, { powerStatus: false }))).alerts.map((a) => a.type).sort()).toEqual([
      'LOW_TEMP',
      'POWER_LOSS',
    ])
    expect(
      (await send(d, reading(-20, { powerStatus: true }))).alerts.map((a) => `${a.kind}:${a.type}`).sort(),
    ).toEqual(['resolved:LOW_TEMP', 'resolved:POWER_LOSS'])
  })

  it('waits for the pending period: N breaching readings in a row, or a breach lasting T', async () => {
    const byCount = await seedDevice({ pendingReadings: 3 })
    expect((await send(byCount, reading(6))).alerts).toEqual([])
    expect((await send(byCount, reading(6))).alerts).toEqual([])
    expect((await send(byCount, reading(2))).alerts).toEqual([]) // streak broken
    expect((await send(byCount, reading(6))).alerts).toEqual([])
    expect((await send(byCount, reading(6))).alerts).toEqual([])
    expect((await send(byCount, reading(6))).alerts).toMatchObject([{ kind: 'triggered', type: 'HIGH_TEMP' }])
    const byTime = await seedDevice({ pendingReadings: 100, pendingSeconds: 120 })
    const t0 = Date.parse('2026-11-21T10:00:00Z')
    const at = (s: number) => new Date(t0 + s * 1000).toISOString()
    expect((await send(byTime, { temperature: 6, powerStatus: true, recordedAt: at(0) })).alerts).toEqual([])
    expect((await send(byTime, { temperature: 6, powerStatus: true, recordedAt: at(60) })).alerts).toEqual([])
    expect((await send(byTime, { temperature: 6, powerStatus: true, recordedAt: at(120) })).alerts).toMatchObject([
      { kind: 'triggered' },
    ])
  })

  it('evaluates a batch in device-time order and ignores readings older than the last one evaluated', async () => {
    const d = await seedDevice({ pendingReadings: 2 })
    const t0 = Date.parse('2026-11-21T12:00:00Z')
    const at = (m: number) => new Date(t0 + m * 60_000).toISOString()
    const res = await send(d, {
      readings: [6, 2, 6, 6].map((temperature, i) => ({ temperature, powerStatus: true, recordedAt: at(3 - i) })),
    })
    // In time order: 6, 6, 2, 6 — two breaches in a row open the alert, then 2 resolves it.
    expect(res.alerts.map((a) => a.kind)).toEqual(['triggered', 'resolved'])
    expect((await send(d, { temperature: 9, powerStatus: true, recordedAt: at(-10) })).alerts).toEqual([])
    // In-range readings leave storage alone for a minute; a late breach between them is still ignored.
    expect((await send(d, { temperature: 2, powerStatus: true, recordedAt: at(10) })).alerts).toEqual([])
    expect((await send(d, { temperature: 2, powerStatus: true, recordedAt: at(12) })).alerts).toEqual([])
    const late = await send(d, { temperature: 9, powerStatus: true, recordedAt: at(11) })
    expect(late).toMatchObject({ stored: 1, alerts: [] })
    expect((await send(d, { temperature: 9, powerStatus: true, recordedAt: at(13) })).alerts).toEqual([]) // first of two
  })

  it('never opens two alerts for concurrent readings of one device', async () => {
    const d = await seedDevice()
    const results = await Promise.all(Array.from({ length: 12 }, () => post(d.serialNumber, d.key, reading(8))))
    expect(results.every((r) => r.status === 202)).toBe(true)
    const rows = await alertsOf(d.device.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]!.status).toBe('ACTIVE')
    // Readings that arrive after a newer one are stored but not evaluated, so repeats count at most 11.
    expect(rows[0]!.triggerCount).toBeLessThanOrEqual(12)
    expect(results.reduce((n, r) => n + data(r).stored, 0)).toBe(12)
  })

  it('goes OFFLINE with a SENSOR_ERROR alert when its alarm fires, and the next reading resolves it', async () => {
    const d = await seedDevice()
    await send(d, reading(2))
    const stub = env.DEVICE_MONITOR.get(env.DEVICE_MONITOR.idFromName(d.serialNumber))
    // Sixteen minutes of silence (the threshold is 15).
    await runInDurableObject(stub, async (_m: DeviceMonitor, state) => {
      const s = await state.storage.get<{ lastSeenAt: number }>('state')
      const silentSince = Date.now() - 16 * 60_000
      await state.storage.put('state', { ...s, lastSeenAt: silentSince })
      await withDb((db) =>
        db
          .update(devices)
          .set({ lastSeenAt: new Date(silentSince) })
          .where(eq(devices.id, d.device.id)),
      )
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const [device] = await withDb((db) => db.select().from(devices).where(eq(devices.id, d.device.id)))
    expect(device!.status).toBe('OFFLINE')
    expect(await alertsOf(d.device.id)).toMatchObject([{ type: 'SENSOR_ERROR', status: 'ACTIVE', severity: 'WARNING' }])
    expect((await send(d, reading(2))).alerts).toMatchObject([{ kind: 'resolved', type: 'SENSOR_ERROR' }])
    expect(await alertsOf(d.device.id)).toMatchObject([
      { type: 'SENSOR_ERROR', status: 'RESOLVED', autoResolved: true },
    ])
    expect((await withDb((db) => db.select().from(devices).where(eq(devices.id, d.device.id))))[0]!.status).toBe(
      'ONLINE',
    )
  })

  it('asks Postgres before going OFFLINE: a lastSeenAt in storage that lags behind the readings opens nothing', async () => {
    const d = await seedDevice()
    await send(d, reading(2))
    const stub = env.DEVICE_MONITOR.get(env.DEVICE_MONITOR.idFromName(d.serialNumber))
    const before = await runInDurableObject(stub, (_m: DeviceMonitor, state) =>
      state.storage.get<{ lastSeenAt: number }>('state'),
    )
    // A steady stream does not rewrite storage on every reading; Postgres has the latest one.
    await send(d, reading(2.5))
    const after = await runInDurableObject(stub, (_m: DeviceMonitor, state) =>
      state.storage.get<{ lastSeenAt: number }>('state'),
    )
    expect(after!.lastSeenAt).toBe(before!.lastSeenAt)
    // As after an eviction: storage says 16 minutes of silence, Postgres saw a reading just now.
    await runInDurableObject(stub, async (_m: DeviceMonitor, state) => {
      await state.storage.put('state', { ...after, lastSeenAt: Date.now() - 16 * 60_000 })
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true) // it ran
    expect(await alertsOf(d.device.id)).toEqual([])
    const [device] = await withDb((db) => db.select().from(devices).where(eq(devices.id, d.device.id)))
    expect(device!.status).toBe('ONLINE')
    const rearmed = await runInDurableObject(stub, async (_m: DeviceMonitor, state) => ({
      alarm: await state.storage.getAlarm(),
      s: await state.storage.get<{ lastSeenAt: number }>('state'),
    }))
    expect(rearmed.s!.lastSeenAt).toBe(device!.lastSeenAt!.getTime())
    expect(rearmed.alarm).toBe(device!.lastSeenAt!.getTime() + 15 * 60_000)
  })

  it('forgets a deleted device instead of alerting for it', async () => {
    const d = await seedDevice()
    await send(d, reading(2))
    const stub = env.DEVICE_MONITOR.get(env.DEVICE_MONITOR.idFromName(d.serialNumber))
    await withDb((db) => db.delete(devices).where(eq(devices.id, d.device.id)))
    await runInDurableObject(stub, async (_m: DeviceMonitor, state) => {
      const s = await state.storage.get<object>('state')
      await state.storage.put('state', { ...s, lastSeenAt: Date.now() - 16 * 60_000 })
    })
    await runDurableObjectAlarm(stub)
    expect(await runInDurableObject(stub, (_m: DeviceMonitor, state) => state.storage.get('state'))).toBeUndefined()
  })

  it('keeps its state in storage: a fresh instance continues the same alert', async () => {
    const d = await seedDevice()
    await send(d, reading(6))
    const stub = env.DEVICE_MONITOR.get(env.DEVICE_MONITOR.idFromName(d.serialNumber))
    const stored = await runInDurableObject(stub, async (_m: DeviceMonitor, state) =>
      state.storage.get<{ engine: { active: object } }>('state'),
    )
    expect(stored!.engine.active).toEqual({ HIGH_TEMP: true })
    expect((await send(d, reading(7))).alerts).toMatchObject([{ kind: 'updated' }])
  })

  it('publishes readings and alert events to a coldcell:<id> WebSocket subscriber', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    const d = await seedDevice()
    const ws = await openSocket(`coldcell:${d.cell.id}`, { token: admin.token })
    await ws.next('presence')
    await send(d, reading(6))
    const first = await ws.next('message')
    const second = await ws.next('message')
    expect([first.data.event, second.data.event]).toEqual(['reading', 'alert.triggered'])
    expect(first.data.payload).toMatchObject({ serialNumber: d.serialNumber, temperature: 6, batch: 1 })
    expect(second.data.payload).toMatchObject({ type: 'HIGH_TEMP', status: 'ACTIVE', coldCellId: d.cell.id })
    ws.ws.close()
  })

  it("notifies and emails the customer's users and linked technicians once per transition", async () => {
    const [staff, tech, stranger] = await Promise.all([
      seedUser({ roles: ['customer'] }),
      seedUser({ roles: ['technician'] }),
      seedUser(),
    ])
    const d = await seedDevice({ users: [staff.user.id], technicians: [tech.user.id] })
    const opened = await send(d, reading(6))
    const alertId = opened.alerts[0]!.id
    for (const u of [staff, tech]) {
      await until(
        () =>
          withDb((db) =>
            db
              .select()
              .from(notifications)
              .where(and(eq(notifications.userId, u.user.id), eq(notifications.type, 'alert.triggered'))),
          ),
        (r) => r.length === 1,
        'notification',
      )
      await until(
        () =>
          withDb((db) =>
            db
              .select()
              .from(emails)
              .where(eq(emails.id, `alert:${alertId}:triggered:${u.user.id}`)),
          ),
        (r) => r.length === 1,
        'email',
      )
    }
    expect(
      await withDb((db) => db.select().from(notifications).where(eq(notifications.userId, stranger.user.id))),
    ).toHaveLength(0)
  })
})
