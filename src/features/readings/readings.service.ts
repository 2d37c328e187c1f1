import { and, eq, lte, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { devices } from '../../db/schema'
import { assertInScope, customerOf, type Scope } from '../coldchain/scope.service'

/** Each range and its bucket width (SPEC.md): 24 h in 5 min, 7 d in 30 min, 30 d in 2 h. */
export const RANGES = {
  '24h': { span: '24 hours', bucket: '5 minutes' },
  '7d': { span: '7 days', bucket: '30 minutes' },
  '30d': { span: '30 days', bucket: '2 hours' },
} as const
export type Range = keyof typeof RANGES

type Row = { start: string | null; min: number | null; max: number | null; avg: number | null; count: number }

/**
 * Temperature buckets and overall figures for a cold cell, computed by Postgres in one pass over
 * the (cold_cell_id, recorded_at, temperature) index: raw rows never reach the Worker. The
 * grouping set `()` adds the overall row (its start is null).
 */
export async function coldCellHistory(db: Database, scope: Scope, coldCellId: string, range: Range) {
  assertInScope(scope, await customerOf(db, 'coldCell', coldCellId), 'Cold cell')
  const { span, bucket } = RANGES[range]
  // Literal (from the fixed table above), so the select and the grouping are the same expression.
  const start = sql.raw(`date_bin('${bucket}'::interval, recorded_at, timestamptz '2000-01-01')`)
  const { rows } = await db.execute<Row>(sql`
    select to_char(${start} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as start,
      min(temperature) as min, max(temperature) as max, avg(temperature) as avg, count(*)::int as count
    from readings
    where cold_cell_id = ${coldCellId} and recorded_at >= now() - ${span}::interval
    group by grouping sets ((${start}), ())
    order by 1 nulls first`)
  const [overall, ...buckets] = rows
  const round = (n: number | null) => (n === null ? null : Math.round(Number(n) * 100) / 100)
  return {
    range,
    bucket,
    buckets: buckets.map((b) => ({
      start: b.start!,
      min: round(b.min),
      max: round(b.max),
      avg: round(b.avg),
      count: b.count,
    })),
    stats: {
      min: round(overall?.min ?? null),
      max: round(overall?.max ?? null),
      avg: round(overall?.avg ?? null),
      count: overall?.count ?? 0,
    },
  }
}

/** A validated reading with its device time as epoch ms. */
export type NormalizedReading = {
  recordedAt: number
  temperature: number
  humidity: number | null
  powerStatus: boolean
  doorStatus: boolean | null
  batteryLevel: number | null
}

/**
 * Stores a batch in one statement and marks the device ONLINE: rows already stored for the same
 * (device, recorded_at) are skipped, so a retried batch stores nothing twice. Returns the
 * recordedAt (ms) of the rows actually inserted. `seenAt` is the monitor's clock, so its offline alarm
 * and the row agree on when the device was last seen.
 */
export async function storeReadings(
  db: Database,
  deviceId: string,
  coldCellId: string,
  batch: NormalizedReading[],
  seenAt: number,
) {
  // One array parameter per column (unnest), so the statement's text is the same whatever the batch size.
  const col = <K extends keyof NormalizedReading>(k: K) => sql.param(batch.map((r) => r[k]))
  const result = await db.execute<{ t: string }>(sql`
    with incoming as (
      select * from unnest(
        ${sql.param(batch.map((r) => new Date(r.recordedAt).toISOString()))}::timestamptz[], ${col('temperature')}::float8[],
        ${col('humidity')}::real[], ${col('powerStatus')}::boolean[], ${col('doorStatus')}::boolean[],
        ${col('batteryLevel')}::smallint[]
      ) as r(recorded_at, temperature, humidity, power_status, door_status, battery_level)
    ), stored as (
      insert into readings (device_id, cold_cell_id, recorded_at, temperature, humidity, power_status, door_status, battery_level)
      select ${deviceId}::uuid, ${coldCellId}::uuid, recorded_at, temperature, humidity, power_status, door_status, battery_level
      from incoming
      on conflict (device_id, recorded_at) do nothing
      returning recorded_at
    ), seen as (
      update devices set status = 'ONLINE', last_seen_at = ${new Date(seenAt).toISOString()}::timestamptz, updated_at = now()
      where id = ${deviceId}::uuid
    )
    select (extract(epoch from recorded_at) * 1000)::bigint::text as t from stored`)
  return result.rows.map((r) => Number(r.t))
}

/** When Postgres last saw the device (null: never); undefined when the device no longer exists. */
export async function lastSeenOf(db: Database, deviceId: string): Promise<number | null | undefined> {
  const [row] = await db.select({ lastSeenAt: devices.lastSeenAt }).from(devices).where(eq(devices.id, deviceId))
  return row && (row.lastSeenAt?.getTime() ?? null)
}

/** Marks the device OFFLINE, unless a reading newer than `seenAt` arrived in the meantime. */
export async function markDeviceOffline(db: Database, deviceId: string, seenAt: number) {
  await db
    .update(devices)
    .set({ status: 'OFFLINE' })
    .where(and(eq(devices.id, deviceId), lte(devices.lastSeenAt, new Date(seenAt))))
}
