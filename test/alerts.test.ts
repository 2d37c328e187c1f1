import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/env'
import { alerts, devices, notifications, readings } from '../src/db/schema'
import { escalateAlerts, sweepOfflineDevices } from '../src/schedules/coldchain'
import { api, data, error, seedUser, withDb } from './helpers'
import { post, reading, seedDevice } from './coldchain-fixtures'
import { openSocket } from './realtime-clients'

type Seeded = Awaited<ReturnType<typeof seedUser>>
let admin: Seeded, tech: Seeded, staffA: Seeded, staffB: Seeded, otherTech: Seeded
let a: Awaited<ReturnType<typeof seedDevice>>, b: Awaited<ReturnType<typeof seedDevice>>

beforeAll(async () => {
  ;[admin, tech, staffA, staffB, otherTech] = await Promise.all([
    seedUser({ roles: ['admin'] }),
    seedUser({ roles: ['technician'] }),
    seedUser({ roles: ['customer'] }),
    seedUser({ roles: ['customer'] }),
    seedUser({ roles: ['technician'] }),
  ])
  a = await seedDevice({ users: [staffA.user.id], technicians: [tech.user.id] })
  b = await seedDevice({ users: [staffB.user.id] })
  await post(a.serialNumber, a.key, reading(9))
  await post(b.serialNumber, b.key, reading(-5, { powerStatus: false }))
})

const list = (token: string, q = '') =>
  api<{ id: string; customerId: string; type: string }[]>(`/api/v1/alerts${q}`, { token })

describe('alert routes', () => {
  it('lists alerts in scope: admin all, technician its customers, customer its own, others none', async () => {
    expect(data(await list(admin.token)).length).toBeGreaterThanOrEqual(3)
    expect(new Set(data(await list(tech.token)).map((x) => x.customerId))).toEqual(new Set([a.customerId]))
    expect(new Set(data(await list(staffA.token)).map((x) => x.customerId))).toEqual(new Set([a.customerId]))
    expect(new Set(data(await list(staffB.token)).map((x) => x.customerId))).toEqual(new Set([b.customerId]))
    expect(data(await list(otherTech.token))).toEqual([])
    expect((await list('')).status).toBe(401)
  })

  it('filters by status, type, cold cell and customer, and validates the filters', async () => {
    expect(
      data(await list(admin.token, `?customerId=${b.customerId}`))
        .map((x) => x.type)
        .sort(),
    ).toEqual(['LOW_TEMP', 'POWER_LOSS'])
    expect(data(await list(admin.token, `?customerId=${b.customerId}&type=POWER_LOSS&status=ACTIVE`))).toHaveLength(1)
    expect(data(await list(admin.token, `?coldCellId=${a.cell.id}`)).map((x) => x.type)).toEqual(['HIGH_TEMP'])
    expect(data(await list(staffA.token, `?customerId=${b.customerId}`))).toEqual([])
    for (const q of ['?status=OPEN', '?type=FIRE', '?coldCellId=nope', '?limit=1000'])
      expect((await list(admin.token, q)).status, q).toBe(422)
  })

  it('resolves by hand with a note and who did it; again is 409; customers 403; other tenants 404', async () => {
    const [alert] = data(await list(admin.token, `?customerId=${b.customerId}&type=LOW_TEMP`))
    const path = `/api/v1/alerts/${alert!.id}/resolve`
    expect((await api(path, { method: 'PATCH', token: tech.token, json: {} })).status).toBe(404)
    expect((await api(path, { method: 'PATCH', token: staffA.token, json: {} })).status).toBe(404)
    expect((await api(path, { method: 'PATCH', token: staffB.token, json: {} })).status).toBe(403)
    expect(
      (await api(path, { method: 'PATCH', token: admin.token, json: { note: 'x', status: 'ACTIVE' } })).status,
    ).toBe(422)
    const resolved = data(
      await api<{ status: string; resolvedBy: string; resolutionNote: string; autoResolved: boolean }>(path, {
        method: 'PATCH',
        token: admin.token,
        json: { note: 'Door was left open' },
      }),
    )
    expect(resolved).toMatchObject({
      status: 'RESOLVED',
      resolvedBy: admin.user.id,
      resolutionNote: 'Door was left open',
      autoResolved: false,
    })
    const again = await api(path, { method: 'PATCH', token: admin.token, json: {} })
    expect(again.status).toBe(409)
    expect(error(again).code).toBe('CONFLICT')
    expect(
      (await api(`/api/v1/alerts/${crypto.randomUUID()}/resolve`, { method: 'PATCH', token: admin.token })).status,
    ).toBe(404)
  })

  it('re-opens an alert resolved by hand when the breach goes on', async () => {
    const d = await seedDevice()
    const opened = data(await post(d.serialNumber, d.key, reading(8))).alerts[0]!
    await api(`/api/v1/alerts/${opened.id}/resolve`, { method: 'PATCH', token: admin.token })
    const again = data(await post(d.serialNumber, d.key, reading(8))).alerts[0]!
    expect(again).toMatchObject({ kind: 'triggered', type: 'HIGH_TEMP' })
    expect(again.id).not.toBe(opened.id)
  })
})

describe('cold-cell history', () => {
  it('aggregates in buckets and overall, matching a direct SQL computation', async () => {
    const d = await seedDevice()
    const now = Date.now()
    const batch = Array.from({ length: 120 }, (_, i) => ({
      temperature: Math.round((2 + Math.sin(i / 7) * 3) * 10) / 10,
      powerStatus: true,
      recordedAt: new Date(now - i * 60_000 - 1000).toISOString(),
    }))
    await post(d.serialNumber, d.key, { readings: batch.slice(0, 60) })
    await post(d.serialNumber, d.key, { readings: batch.slice(60) })
    const h = data(
      await api<{
        buckets: { start: string; min: number; max: number; avg: number; count: number }[]
        stats: { min: number; max: number; avg: number; count: number }
      }>(`/api/v1/readings/coldcells/${d.cell.id}/readings?range=24h`, { token: admin.token }),
    )
    const temps = batch.map((r) => r.temperature)
    expect(h.stats).toEqual({
      min: Math.min(...temps),
      max: Math.max(...temps),
      avg: Math.round((temps.reduce((x, y) => x + y, 0) / temps.length) * 100) / 100,
      count: 120,
    })
    const direct = await withDb((db) =>
      db.execute<{ n: number }>(
        sql`select count(distinct date_bin('5 minutes', recorded_at, timestamptz '2000-01-01'))::int as n from ${readings} where cold_cell_id = ${d.cell.id}`,
      ),
    )
    expect(h.buckets).toHaveLength(direct.rows[0]!.n)
    expect(h.buckets.reduce((n, x) => n + x.count, 0)).toBe(120)
    for (const bucket of h.buckets) {
      const inBucket = batch
        .filter(
          (r) =>
            Date.parse(r.recordedAt) >= Date.parse(bucket.start) &&
            Date.parse(r.recordedAt) < Date.parse(bucket.start) + 300_000,
        )
        .map((r) => r.temperature)
      expect({ min: bucket.min, max: bucket.max, count: bucket.count }).toEqual({
        min: Math.min(...inBucket),
        max: Math.max(...inBucket),
        count: inBucket.length,
      })
    }
    const week = data(
      await api<{ buckets: unknown[]; stats: { count: number } }>(
        `/api/v1/readings/coldcells/${d.cell.id}/readings?range=7d`,
        { token: admin.token },
      ),
    )
    expect(week.stats.count).toBe(120)
    expect(week.buckets.length).toBeLessThanOrEqual(5)
  })

  it('answers 422 for another range, 404 out of scope', async () => {
    expect(
      (await api(`/api/v1/readings/coldcells/${a.cell.id}/readings?range=1y`, { token: admin.token })).status,
    ).toBe(422)
    expect((await api(`/api/v1/readings/coldcells/${a.cell.id}/readings`, { token: staffB.token })).status).toBe(404)
    expect((await api(`/api/v1/readings/coldcells/${a.cell.id}/readings`, { token: staffA.token })).status).toBe(200)
  })
})

describe('technician dashboard and live channels', () => {
  it('summarises the linked customers', async () => {
    const dash = data(
      await api<{
        customerCount: number
        totalColdCells: number
        activeAlerts: number
        alertsByType: Record<string, number>
        customers: { id: string; activeAlerts: number; devicesOnline: number }[]
      }>('/api/v1/dashboard/technician', { token: tech.token }),
    )
    expect(dash).toMatchObject({
      customerCount: 1,
      totalColdCells: 1,
      customers: [{ id: a.customerId, devicesOnline: 1 }],
    })
    expect(dash.alertsByType.HIGH_TEMP).toBe(1)
    expect((await api('/api/v1/dashboard/technician', { token: staffA.token })).status).toBe(403)
  })

  it('lets readers of a cold cell subscribe to coldcell:<id>, and nobody else', async () => {
    expect((await openSocket(`coldcell:${a.cell.id}`, { token: tech.token })).res.status).toBe(101)
    expect((await openSocket(`customer:${a.customerId}`, { token: staffA.token })).res.status).toBe(101)
    expect((await openSocket(`coldcell:${a.cell.id}`, { token: staffB.token })).res.status).toBe(403)
    expect((await openSocket(`customer:${a.customerId}`, { token: otherTech.token })).res.status).toBe(403)
    expect((await openSocket('coldcell:not-a-uuid', { token: tech.token })).res.status).toBe(403)
  })
})

describe('scheduled backstops', () => {
  it('escalates an alert active for more than an hour exactly once, to technicians and admins', async () => {
    const [alert] = data(await list(admin.token, `?customerId=${a.customerId}&type=HIGH_TEMP&status=ACTIVE`))
    await withDb((db) =>
      db
        .update(alerts)
        .set({ firstTriggeredAt: new Date(Date.now() - 61 * 60_000) })
        .where(eq(alerts.id, alert!.id)),
    )
    const config = loadConfig(env)
    const runs = await withDb(async (db) =>
      Promise.all([1, 2, 3].map(() => escalateAlerts({ db, config, at: new Date() }))),
    )
    expect(runs.flatMap((r) => r.ids).filter((id) => id === alert!.id)).toHaveLength(1)
    const notes = await withDb((db) => db.select().from(notifications).where(eq(notifications.type, 'alert.escalated')))
    expect(notes.map((n) => n.userId)).toEqual(expect.arrayContaining([tech.user.id, admin.user.id]))
    expect(notes.map((n) => n.userId)).not.toContain(staffA.user.id)
  })

  it('sweeps devices whose monitor missed its alarm into OFFLINE with SENSOR_ERROR', async () => {
    const d = await seedDevice()
    await post(d.serialNumber, d.key, reading(2))
    const config = loadConfig(env)
    const later = new Date(Date.now() + (config.DEVICE_OFFLINE_AFTER_SECONDS + 60) * 1000)
    // The monitor's clock has not moved, so it refuses: the sweep only hands over, the monitor decides.
    expect(await withDb((db) => sweepOfflineDevices({ db, config, at: later }))).toMatchObject({ markedOffline: 0 })
    // Now it has been silent for 20 minutes and its alarm never fired.
    const silentSince = Date.now() - 20 * 60_000
    const stub = env.DEVICE_MONITOR.get(env.DEVICE_MONITOR.idFromName(d.serialNumber))
    await runInDurableObject(stub, async (_m, state) => {
      await state.storage.deleteAlarm()
      await state.storage.put('state', { ...(await state.storage.get<object>('state')), lastSeenAt: silentSince })
    })
    await withDb((db) =>
      db
        .update(devices)
        .set({ lastSeenAt: new Date(silentSince) })
        .where(eq(devices.id, d.device.id)),
    )
    expect(await withDb((db) => sweepOfflineDevices({ db, config, at: new Date() }))).toMatchObject({
      checked: 1,
      markedOffline: 1,
    })
    expect(await withDb((db) => sweepOfflineDevices({ db, config, at: new Date() }))).toMatchObject({ checked: 0 })
    const rows = await withDb((db) => db.select().from(alerts).where(eq(alerts.deviceId, d.device.id)))
    expect(rows).toMatchObject([{ type: 'SENSOR_ERROR', status: 'ACTIVE' }])
  })
})
