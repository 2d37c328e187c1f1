import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DeviceSchema } from '../src/features/devices/devices.schemas'
import { UserSchema } from '../src/features/users/users.schemas'
import { BASE } from './helpers'

type Schemas = Record<string, { properties: Record<string, Record<string, unknown>> }>

const ids = {
  id: '0f6d3c1e-8a57-4d3b-a1f4-6b9e2c7d5a10',
  coldCellId: '5b0e0a55-5d4e-4c3b-9d3e-2f1b1a0c9e11',
  locationId: '00000000-0000-4000-8000-000000000000',
  customerId: '00000000-0000-4000-8000-000000000000',
}
const at = new Date('2026-01-02T03:04:05.678Z')

describe('response schemas derived from tables', () => {
  it('shows only the whitelisted columns: a device row never shows its key hash', () => {
    const row = {
      ...ids,
      serialNumber: 'CC-1001',
      keyHash: 'sha256-of-the-key',
      keyPrefix: 'dk_abc',
      status: 'ONLINE' as const,
      lastSeenAt: null,
      firmwareVersion: null,
      createdAt: at,
      updatedAt: at,
    }
    const out = DeviceSchema.decode(row)
    expect(out).not.toHaveProperty('keyHash')
    expect(Object.keys(out).sort()).toEqual(
      [
        'id',
        'coldCellId',
        'locationId',
        'customerId',
        'serialNumber',
        'keyPrefix',
        'status',
        'lastSeenAt',
        'firmwareVersion',
        'createdAt',
        'updatedAt',
      ].sort(),
    )
  })

  it('turns timestamps into ISO strings and keeps a null one null', () => {
    const out = DeviceSchema.decode({
      ...ids,
      serialNumber: 'CC-1001',
      keyPrefix: 'dk_abc',
      status: 'OFFLINE',
      lastSeenAt: null,
      firmwareVersion: '1.0.0',
      createdAt: at,
      updatedAt: new Date(0),
    })
    expect(out.createdAt).toBe('2026-01-02T03:04:05.678Z')
    expect(out.updatedAt).toBe('1970-01-01T00:00:00.000Z')
    expect(out.lastSeenAt).toBeNull()
  })

  it('never shows a user row its password hash', () => {
    const row = {
      id: ids.id,
      email: 'ada@example.com',
      name: 'Ada',
      passwordHash: 'scrypt$secret',
      emailVerified: true,
      roles: ['user'],
      createdAt: at,
      updatedAt: at,
    }
    expect(UserSchema.decode(row)).not.toHaveProperty('passwordHash')
  })

  it('reads back stored values that the input rules would refuse: any uuid version, a legacy email', () => {
    const row = {
      id: '11111111-1111-1111-1111-111111111111',
      email: 'a%b_c@x',
      name: 'Legacy',
      emailVerified: false,
      roles: [],
      createdAt: at,
      updatedAt: at,
    }
    expect(UserSchema.decode(row)).toMatchObject({ id: row.id, email: row.email })
  })

  it('documents timestamps as date-time strings, and no storage limits of the columns', async () => {
    const doc = await (await SELF.fetch(`${BASE}/openapi.json`)).json<{ components: { schemas: Schemas } }>()
    const cell = doc.components.schemas.ColdCell!.properties
    expect(cell.createdAt).toEqual({ type: 'string', format: 'date-time' })
    expect(cell.minTemp).toEqual({ type: 'number' })
    expect(cell.pendingReadings).toEqual({ type: 'integer' })
    expect(doc.components.schemas.Notification!.properties.title).toEqual({ type: 'string' })
    expect(doc.components.schemas.Device!.properties.lastSeenAt).toEqual({
      type: ['string', 'null'],
      format: 'date-time',
    })
  })
})
