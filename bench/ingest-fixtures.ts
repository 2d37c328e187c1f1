/**
 * bench/ingest.ts's fleet, inserted directly with `pg`: one customer, one location, cold cells
 * (0..4 °C, alert after one breaching reading, no pending time, deadband 0.5) and devices with
 * keys made the way src/features/devices/device-keys.ts makes them (`odk_` + 32 random bytes
 * base64url; SHA-256 hex of the whole key and its first 10 characters are stored).
 */
import { createHash, randomBytes } from 'node:crypto'
import pg from 'pg'

export type BenchDevice = { id: string; serialNumber: string; key: string; coldCellId: string }
export type Fleet = { customerId: string; coldCellIds: string[]; devices: BenchDevice[] }

const RULES = { minTemp: 0, maxTemp: 4, pendingReadings: 1, pendingSeconds: 0, deadband: 0.5 }

function deviceKey() {
  const key = `odk_${randomBytes(32).toString('base64url')}`
  return { key, keyHash: createHash('sha256').update(key).digest('hex'), keyPrefix: key.slice(0, 10) }
}

/** `devices` devices spread round-robin over `cells` cold cells, serials `<prefix>-<n>`. */
export async function createFleet(
  databaseUrl: string,
  opts: { name: string; prefix: string; cells: number; devices: number },
): Promise<Fleet> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query('begin')
    const one = async (text: string, values: unknown[]) =>
      (await client.query<{ id: string }>(text, values)).rows[0]!.id
    const customerId = await one('insert into customers (name, contact_email) values ($1, $2) returning id', [
      opts.name,
      'bench@outpost.invalid',
    ])
    const locationId = await one('insert into locations (customer_id, name) values ($1, $2) returning id', [
      customerId,
      `${opts.name} site`,
    ])
    const coldCellIds: string[] = []
    for (let i = 0; i < opts.cells; i++) {
      coldCellIds.push(
        await one(
          `insert into cold_cells (location_id, name, min_temp, max_temp, pending_readings, pending_seconds, deadband)
           values ($1, $2, $3, $4, $5, $6, $7) returning id`,
          [
            locationId,
            `${opts.name} cell ${i + 1}`,
            RULES.minTemp,
            RULES.maxTemp,
            RULES.pendingReadings,
            RULES.pendingSeconds,
            RULES.deadband,
          ],
        ),
      )
    }
    const devices: BenchDevice[] = []
    for (let i = 0; i < opts.devices; i++) {
      const { key, keyHash, keyPrefix } = deviceKey()
      const serialNumber = `${opts.prefix}-${String(i + 1).padStart(4, '0')}`
      const coldCellId = coldCellIds[i % coldCellIds.length]!
      const id = await one(
        `insert into devices (cold_cell_id, serial_number, key_hash, key_prefix, firmware_version) values ($1, $2, $3, $4, 'bench') returning id`,
        [coldCellId, serialNumber, keyHash, keyPrefix],
      )
      devices.push({ id, serialNumber, key, coldCellId })
    }
    await client.query('commit')
    return { customerId, coldCellIds, devices }
  } catch (err) {
    await client.query('rollback').catch(() => undefined)
    throw err
  } finally {
    await client.end()
  }
}

/** Counts straight from Postgres, outside the Worker: the ground truth for "stored". */
export async function openCounter(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  return {
    readings: async (deviceIds: string[]) =>
      Number(
        (
          await client.query<{ n: string }>(
            'select count(*)::bigint as n from readings where device_id = any($1::uuid[])',
            [deviceIds],
          )
        ).rows[0]!.n,
      ),
    /** Sessions ended and transactions committed in this database so far (pg_stat_database; a session counts when it ends). */
    activity: async () => {
      const r = (
        await client.query<{ sessions: string; commits: string }>(
          'select sessions::text, xact_commit::text as commits from pg_stat_database where datname = current_database()',
        )
      ).rows[0]!
      return { sessions: Number(r.sessions), commits: Number(r.commits) }
    },
    close: () => client.end(),
  }
}
