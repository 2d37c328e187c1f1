/** The daily report's cold chain, per customer, from readings and alerts seeded through the real pipeline. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { alerts } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { dailyReport } from '../src/schedules/reports'
import { post, reading, seedDevice } from './coldchain-fixtures'
import { seedTree } from './coldchain-helpers'
import { call, data, readMailbox, seedUser, withDb } from './helpers'

type Counts = Record<'HIGH_TEMP' | 'LOW_TEMP' | 'POWER_LOSS' | 'SENSOR_ERROR', number>
type CustomerDay = {
  customerId: string
  name: string
  readingsReceived: number
  alertsOpened: Counts
  alertsResolved: Counts
  devices: number
  devicesOffline: number
}
type Report = { day: string; data: { day: string; signups: number; coldChain: CustomerDay[] } }

const none: Counts = { HIGH_TEMP: 0, LOW_TEMP: 0, POWER_LOSS: 0, SENSOR_ERROR: 0 }
// The report that runs at 06:00 on the 23rd covers the 22nd (UTC).
const AT = new Date('2026-11-23T06:00:00Z')
const on = (time: string) => ({ recordedAt: `2026-11-${time}Z` })

describe('daily report: cold chain per customer', () => {
  it('counts the day’s readings, alerts opened and resolved by type, and devices offline, stored and emailed', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    // Alpha: a freezer whose device reports (one reading each side of the day), and a silent second device.
    const alpha = await seedDevice({ minTemp: -25, maxTemp: -18 })
    await seedDevice({ customerId: alpha.customerId })
    for (const r of [
      reading(-20, on('21T23:59:00')),
      reading(-20, on('22T10:00:00')),
      reading(-10, on('22T10:01:00')), // HIGH_TEMP opens
      reading(-20, on('22T10:02:00')), // and resolves
      reading(-20, { ...on('22T10:03:00'), powerStatus: false }), // POWER_LOSS opens, stays open
      reading(-20, { ...on('23T00:30:00'), powerStatus: false }),
    ])
      expect((await post(alpha.serialNumber, alpha.key, r)).status).toBe(202)
    // Beta: no readings; a SENSOR_ERROR opened two days before is resolved on the day.
    const beta = await seedTree('Beta Dairy')
    await withDb((db) =>
      db.insert(alerts).values({
        deviceId: beta.deviceId,
        coldCellId: beta.coldCellId,
        customerId: beta.customerId,
        type: 'SENSOR_ERROR',
        severity: 'CRITICAL',
        status: 'RESOLVED',
        message: 'offline',
        firstTriggeredAt: new Date('2026-11-20T08:00:00Z'),
        lastTriggeredAt: new Date('2026-11-20T08:00:00Z'),
        resolvedAt: new Date('2026-11-22T09:00:00Z'),
      }),
    )

    const result = await withDb((db) => dailyReport({ db, config: loadConfig(env), at: AT }))
    expect(result).toMatchObject({ day: '2026-11-22', stored: true })

    const [report] = data(await call<Report[]>('GET', '/scheduler/daily-reports', admin.token))
    expect(report!.day).toBe('2026-11-22')
    const byId = new Map(report!.data.coldChain.map((c) => [c.customerId, c]))
    expect(byId.get(alpha.customerId)).toEqual({
      customerId: alpha.customerId,
      name: 'Test Foods',
      readingsReceived: 4,
      alertsOpened: { ...none, HIGH_TEMP: 1, POWER_LOSS: 1 },
      alertsResolved: { ...none, HIGH_TEMP: 1 },
      devices: 2,
      devicesOffline: 1,
    })
    expect(byId.get(beta.customerId)).toEqual({
      customerId: beta.customerId,
      name: 'Beta Dairy',
      readingsReceived: 0,
      alertsOpened: none,
      alertsResolved: { ...none, SENSOR_ERROR: 1 },
      devices: 1,
      devicesOffline: 1,
    })

    const [mail] = await readMailbox(admin.user.email, { template: 'notice' })
    expect(mail?.subject).toBe('Outpost daily report for 2026-11-22')
    expect(mail?.text).toContain(
      '- Test Foods: 4 readings; alerts opened: HIGH_TEMP 1, POWER_LOSS 1; resolved: HIGH_TEMP 1; devices offline: 1 of 2',
    )
    expect(mail?.text).toContain(
      '- Beta Dairy: 0 readings; alerts opened: none; resolved: SENSOR_ERROR 1; devices offline: 1 of 1',
    )
  })
})
