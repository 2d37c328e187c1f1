import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { devices, readings } from '../src/db/schema'
import { api, data, error, withDb } from './helpers'
import { post, reading, seedDevice, tick } from './coldchain-fixtures'

const countReadings = async (deviceId: string) =>
  (await withDb((db) => db.select().from(readings).where(eq(readings.deviceId, deviceId)))).length

describe('readings ingestion', () => {
  it('accepts one reading with 202, stores it and marks the device ONLINE', async () => {
    const d = await seedDevice()
    const res = await post(d.serialNumber, d.key, {
      temperature: 2.5,
      humidity: 40,
      powerStatus: true,
      doorStatus: false,
      batteryLevel: 90,
    })
    expect(res.status).toBe(202)
    expect(data(res)).toEqual({ accepted: 1, stored: 1, alerts: [] })
    const [device] = await withDb((db) => db.select().from(devices).where(eq(devices.id, d.device.id)))
    expect(device).toMatchObject({ status: 'ONLINE', lastSeenAt: expect.any(Date) })
    const [row] = await withDb((db) => db.select().from(readings).where(eq(readings.deviceId, d.device.id)))
    expect(row).toMatchObject({
      temperature: 2.5,
      humidity: 40,
      powerStatus: true,
      doorStatus: false,
      batteryLevel: 90,
      coldCellId: d.cell.id,
    })
  })

  it('stores a replayed batch once', async () => {
    const d = await seedDevice()
    const batch = { readings: Array.from({ length: 50 }, () => reading(2)) }
    expect(data(await post(d.serialNumber, d.key, batch))).toMatchObject({ accepted: 50, stored: 50 })
    expect(data(await post(d.serialNumber, d.key, batch))).toMatchObject({ accepted: 50, stored: 0 })
    const mixed = { readings: [...batch.readings.slice(0, 10), reading(2), reading(2)] }
    expect(data(await post(d.serialNumber, d.key, mixed))).toMatchObject({ accepted: 12, stored: 2 })
    expect(await countReadings(d.device.id)).toBe(52)
  })

  it('refuses a missing or wrong key, and another device’s key, with 401', async () => {
    const [a, b] = [await seedDevice(), await seedDevice()]
    for (const key of [undefined, '', 'odk_wrong', b.key]) {
      const res = await post(a.serialNumber, key, reading(2))
      expect(res.status, String(key)).toBe(401)
    }
    expect((await post('SN-unknown', a.key, reading(2))).status).toBe(401)
    expect(await countReadings(a.device.id)).toBe(0)
  })

  it('refuses a device key on every other route', async () => {
    const d = await seedDevice()
    for (const path of ['/api/v1/users/me', '/api/v1/notifications', '/api/v1/jobs']) {
      expect((await api(path, { headers: { 'x-device-key': d.key } })).status, path).toBe(401)
      expect((await api(path, { token: d.key })).status, path).toBe(401)
    }
  })

  it('validates readings with 422: ranges, types, extra fields, batch size, missing times, future times', async () => {
    const d = await seedDevice()
    const bad: unknown[] = [
      { temperature: 2, powerStatus: true, humidity: 101 },
      { temperature: 'cold', powerStatus: true },
      { temperature: 2 },
      { temperature: 2, powerStatus: true, batteryLevel: 150 },
      { temperature: 2, powerStatus: true, deviceId: 'x' },
      { readings: [] },
      { readings: Array.from({ length: 501 }, () => reading(2)) },
      {
        readings: [
          { temperature: 2, powerStatus: true },
          { temperature: 3, powerStatus: true },
        ],
      },
      { temperature: 2, powerStatus: true, recordedAt: new Date(Date.now() + 3_600_000).toISOString() },
      { temperature: 2, powerStatus: true, recordedAt: 'yesterday' },
    ]
    for (const body of bad) {
      const res = await post(d.serialNumber, d.key, body)
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422)
      expect(error(res).code).toBe('VALIDATION_ERROR')
    }
    expect(await countReadings(d.device.id)).toBe(0)
    void tick
  })
})
