/**
 * Cold-chain behaviours no other test proved (issue 17, part 5): the 7 d and 30 d aggregations against Postgres
 * computing them directly, a batch at the 500-reading limit and one past it, and the `customer:<id>` channel
 * receiving readings, alerts and a resolve by hand.
 */
import { eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { readings } from '../src/db/schema'
import { api, data, seedUser, validationDetails, withDb } from './helpers'
import { post, reading, seedDevice } from './coldchain-fixtures'
import { openSocket } from './realtime-clients'

let admin: Awaited<ReturnType<typeof seedUser>>
beforeAll(async () => {
  admin = await seedUser({ roles: ['admin'] })
})

type Figures = { min: number | null; max: number | null; avg: number | null; count: number }
type History = { bucket: string; buckets: (Figures & { start: string })[]; stats: Figures }

/** Postgres's own buckets for the cell over the last `span`, rounded as the API rounds. */
const direct = (cellId: string, span: string, width: string) =>
  withDb(async (db) => {
    const { rows } = await db.execute<{ start: string } & Figures>(sql`
      select to_char(date_bin(${width}::interval, recorded_at, timestamptz '2000-01-01') at time zone 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS"Z"') as start,
             min(temperature)::float8 as min, max(temperature)::float8 as max,
             round(avg(temperature)::numeric, 2)::float8 as avg, count(*)::int as count
      from ${readings} where cold_cell_id = ${cellId} and recorded_at >= now() - ${span}::interval
      group by 1 order by 1`)
    return rows
  })

/** `n` readings of one cell spread evenly over `spanMs` before now, sent in batches of 500. */
async function spread(n: number, spanMs: number) {
  const d = await seedDevice()
  const now = Date.now()
  const all = Array.from({ length: n }, (_, i) => ({
    temperature: Math.round((2 + Math.sin(i / 5) * 3) * 10) / 10,
    powerStatus: true,
    recordedAt: new Date(now - 60_000 - Math.floor((i * spanMs) / n)).toISOString(),
  }))
  for (let i = 0; i < n; i += 500) {
    const res = await post(d.serialNumber, d.key, { readings: all.slice(i, i + 500) })
    expect(data(res).stored).toBe(Math.min(500, n - i))
  }
  return { d, all }
}

describe('cold-cell history over 7 and 30 days', () => {
  for (const [range, span, width, minutes, n] of [
    ['7d', '7 days', '30 minutes', 30, 700],
    ['30d', '30 days', '2 hours', 120, 900],
  ] as const) {
    it(`buckets ${range} in ${width}, matching a direct SQL computation`, async () => {
      const days = range === '7d' ? 6.5 : 29.5
      const { d, all } = await spread(n, days * 86_400_000)
      const h = data(
        await api<History>(`/api/v1/readings/coldcells/${d.cell.id}/readings?range=${range}`, { token: admin.token }),
      )
      expect(h.bucket).toBe(width)
      const expected = await direct(d.cell.id, span, width)
      expect(h.buckets).toEqual(expected)
      // Several readings share most buckets, and each bucket starts on a boundary of its width.
      expect(h.buckets.length).toBeLessThan(n)
      for (const b of h.buckets) expect(Date.parse(b.start) % (minutes * 60_000)).toBe(0)
      const temps = all.map((r) => r.temperature)
      expect(h.stats).toMatchObject({ min: Math.min(...temps), max: Math.max(...temps), count: n })
      expect(h.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(n)
    })
  }

  it('leaves out readings older than the range', async () => {
    const { d } = await spread(40, 10 * 86_400_000)
    const week = data(
      await api<History>(`/api/v1/readings/coldcells/${d.cell.id}/readings?range=7d`, { token: admin.token }),
    )
    const old = await withDb(async (db) =>
      (await db.select().from(readings).where(eq(readings.coldCellId, d.cell.id))).filter(
        (r) => r.recordedAt.getTime() < Date.now() - 7 * 86_400_000,
      ),
    )
    expect(old.length).toBeGreaterThan(0)
    expect(week.stats.count).toBe(40 - old.length)
  })
})

describe('batch size', () => {
  it('accepts a batch of exactly 500 readings and refuses 501, storing none of them', async () => {
    const d = await seedDevice()
    const at = Date.now() - 1_000_000
    const batch = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({
        temperature: 2,
        powerStatus: true,
        recordedAt: new Date(at - (from + i) * 1000).toISOString(),
      }))
    const over = await post(d.serialNumber, d.key, { readings: batch(501, 0) })
    expect(Object.keys(validationDetails(over))).toEqual(['json'])
    const stored = () =>
      withDb(async (db) => (await db.select().from(readings).where(eq(readings.deviceId, d.device.id))).length)
    expect(await stored()).toBe(0)
    expect(data(await post(d.serialNumber, d.key, { readings: batch(500, 1000) }))).toMatchObject({
      accepted: 500,
      stored: 500,
    })
    expect(await stored()).toBe(500)
  })
})

describe('the customer:<id> channel', () => {
  it('delivers readings, the alert opened, and a resolve by hand to a subscriber of the customer', async () => {
    const tech = await seedUser({ roles: ['technician'] })
    const d = await seedDevice({ technicians: [tech.user.id] })
    const ws = await openSocket(`customer:${d.customerId}`, { token: tech.token })
    await ws.next('presence')
    await post(d.serialNumber, d.key, reading(2))
    expect((await ws.next('message')).data).toMatchObject({
      event: 'reading',
      payload: { serialNumber: d.serialNumber, temperature: 2 },
    })
    const opened = data(await post(d.serialNumber, d.key, reading(9))).alerts[0]!
    const events = [await ws.next('message'), await ws.next('message')].map((f) => f.data)
    expect(events).toMatchObject([
      { event: 'reading', payload: { temperature: 9 } },
      { event: 'alert.triggered', payload: { id: opened.id, type: 'HIGH_TEMP', customerId: d.customerId } },
    ])
    const res = await api(`/api/v1/alerts/${opened.id}/resolve`, {
      method: 'PATCH',
      token: admin.token,
      json: { note: 'checked' },
    })
    expect(res.status).toBe(200)
    expect((await ws.next('message')).data).toMatchObject({
      event: 'alert.resolved',
      payload: { id: opened.id, status: 'RESOLVED', resolvedBy: admin.user.id, autoResolved: false },
    })
    ws.ws.close()
  })

  it("does not deliver one customer's events to a subscriber of another", async () => {
    const tech = await seedUser({ roles: ['technician'] })
    const [mine, theirs] = [await seedDevice({ technicians: [tech.user.id] }), await seedDevice()]
    const ws = await openSocket(`customer:${mine.customerId}`, { token: tech.token })
    await ws.next('presence')
    await post(theirs.serialNumber, theirs.key, reading(9))
    await post(mine.serialNumber, mine.key, reading(3))
    expect((await ws.next('message')).data).toMatchObject({
      event: 'reading',
      payload: { serialNumber: mine.serialNumber },
    })
    expect(ws.frames.filter((f) => f.event === 'message')).toHaveLength(1)
    ws.ws.close()
  })
})
