import { and, eq, lte } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { devices } from '../../db/schema'

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
  const col = <K extends keyof NormalizedReading>(k: K) => batch.map((r) => r[k])
  // A fixed statement text on the driver directly: readings are the hottest write, and building the
  // same query through the ORM on every call cost more than running it.
  const result = await db.$client.query<{ t: string }>(STORE_READINGS, [
    col('recordedAt').map((t) => new Date(t).toISOString()),
    col('temperature'),
    col('humidity'),
    col('powerStatus'),
    col('doorStatus'),
    col('batteryLevel'),
    deviceId,
    coldCellId,
    new Date(seenAt).toISOString(),
  ])
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

const STORE_READINGS = `
  with incoming as (
    select * from unnest($1::timestamptz[], $2::float8[], $3::real[], $4::boolean[], $5::boolean[], $6::smallint[])
      as r(recorded_at, temperature, humidity, power_status, door_status, battery_level)
  ), stored as (
    insert into readings (device_id, cold_cell_id, recorded_at, temperature, humidity, power_status, door_status, battery_level)
    select $7::uuid, $8::uuid, recorded_at, temperature, humidity, power_status, door_status, battery_level from incoming
    on conflict (device_id, recorded_at) do nothing
    returning recorded_at
  ), seen as (
    update devices set status = 'ONLINE', last_seen_at = $9::timestamptz, updated_at = now() where id = $7::uuid
  )
  select (extract(epoch from recorded_at) * 1000)::bigint::text as t from stored`
