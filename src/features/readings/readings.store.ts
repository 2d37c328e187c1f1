import { sql } from 'drizzle-orm'
import type { Database } from '../../db/client'

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
export async function storeReadings(db: Database, deviceId: string, coldCellId: string, batch: NormalizedReading[], seenAt: number) {
  const col = <K extends keyof NormalizedReading>(k: K) => batch.map((r) => r[k])
  const result = await db.execute<{ t: string }>(sql`
    with incoming as (
      select * from unnest(
        ${sql.param(col('recordedAt').map((t) => new Date(t).toISOString()))}::timestamptz[], ${sql.param(col('temperature'))}::float8[],
        ${sql.param(col('humidity'))}::real[], ${sql.param(col('powerStatus'))}::boolean[], ${sql.param(col('doorStatus'))}::boolean[], ${sql.param(col('batteryLevel'))}::smallint[]
      ) as r(recorded_at, temperature, humidity, power_status, door_status, battery_level)
    ), stored as (
      insert into readings (device_id, cold_cell_id, recorded_at, temperature, humidity, power_status, door_status, battery_level)
      select ${deviceId}::uuid, ${coldCellId}::uuid, recorded_at, temperature, humidity, power_status, door_status, battery_level from incoming
      on conflict (device_id, recorded_at) do nothing
      returning recorded_at
    ), seen as (
      update devices set status = 'ONLINE', last_seen_at = ${new Date(seenAt).toISOString()}::timestamptz, updated_at = now() where id = ${deviceId}::uuid
    )
    select (extract(epoch from recorded_at) * 1000)::bigint::text as t from stored`)
  return result.rows.map((r) => Number(r.t))
}
