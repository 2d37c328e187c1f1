import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { devices } from '../src/db/schema'
import { post, reading } from './coldchain-fixtures'
import { call, data, error, seedUser, withDb, type ApiResponse } from './helpers'
import {
  admin,
  seedTree,
  serial,
  type ColdCell,
  type Customer,
  type Device,
  type DeviceWithKey,
  type Location,
} from './coldchain-helpers'

let token: string
beforeAll(async () => {
  token = (await admin()).token
})

const unknownFields = (res: ApiResponse<unknown>) => Object.values(error(res).details ?? {})

describe('customers', () => {
  it('lets an admin create, read, list, rename and delete a customer', async () => {
    const created = await call<Customer>('POST', '/customers', token, {
      name: 'Nordic Foods',
      contactEmail: 'ops@nordic.example',
    })
    expect(created.status).toBe(201)
    const { id } = data(created)
    expect(data(await call<Customer>('GET', `/customers/${id}`, token))).toMatchObject({
      id,
      name: 'Nordic Foods',
      contactEmail: 'ops@nordic.example',
    })
    expect(data(await call<Customer[]>('GET', '/customers?limit=100', token)).map((c) => c.id)).toContain(id)
    expect(data(await call<Customer>('PUT', `/customers/${id}`, token, { name: 'Nordic Foods AS' })).name).toBe(
      'Nordic Foods AS',
    )
    expect((await call('DELETE', `/customers/${id}`, token)).status).toBe(204)
    expect((await call('GET', `/customers/${id}`, token)).status).toBe(404)
  })

  it('refuses unknown fields and an empty update', async () => {
    const res = await call('POST', '/customers', token, { name: 'X', plan: 'PRO' })
    expect(res.status).toBe(422)
    expect(unknownFields(res)).toEqual(['unknown field'])
    const { id } = data(await call<Customer>('POST', '/customers', token, { name: 'Y' }))
    expect((await call('PUT', `/customers/${id}`, token, {})).status).toBe(422)
  })

  it('deletes the whole tree with the customer', async () => {
    const t = await seedTree()
    expect((await call('DELETE', `/customers/${t.customerId}`, token)).status).toBe(204)
    expect((await call('GET', `/locations/${t.locationId}`, token)).status).toBe(404)
    expect(await withDb((db) => db.select().from(devices).where(eq(devices.id, t.deviceId)))).toEqual([])
  })
})

describe('technician and user links', () => {
  it('links a technician idempotently (201, then 200) and the link decides what it sees', async () => {
    const t = await seedTree()
    const tech = await seedUser({ roles: ['technician'] })
    expect((await call('GET', `/customers/${t.customerId}`, tech.token)).status).toBe(404)
    const first = await call('POST', `/customers/${t.customerId}/technicians`, token, { userId: tech.user.id })
    expect(first.status).toBe(201)
    expect(data(first)).toEqual({ customerId: t.customerId, userId: tech.user.id, kind: 'technician' })
    expect((await call('POST', `/customers/${t.customerId}/technicians`, token, { userId: tech.user.id })).status).toBe(
      200,
    )
    expect((await call('GET', `/devices/${t.deviceId}`, tech.token)).status).toBe(200)
    expect((await call('DELETE', `/customers/${t.customerId}/technicians/${tech.user.id}`, token)).status).toBe(204)
    expect((await call('GET', `/customers/${t.customerId}`, tech.token)).status).toBe(404)
    expect((await call('DELETE', `/customers/${t.customerId}/technicians/${tech.user.id}`, token)).status).toBe(404)
  })

  it('answers 422 when linking a user without the technician role, 404 for an unknown user', async () => {
    const t = await seedTree()
    const plain = await seedUser({ roles: ['customer'] })
    const res = await call('POST', `/customers/${t.customerId}/technicians`, token, { userId: plain.user.id })
    expect(res.status).toBe(422)
    expect(error(res).details).toEqual({ 'json.userId': 'the user does not have the technician role' })
    expect(
      (await call('POST', `/customers/${t.customerId}/technicians`, token, { userId: crypto.randomUUID() })).status,
    ).toBe(404)
  })

  it('attaches a customer user to one customer only (409 for a second one)', async () => {
    const [a, b] = [await seedTree('A'), await seedTree('B')]
    const member = await seedUser({ roles: ['customer'] })
    expect((await call('POST', `/customers/${a.customerId}/users`, token, { userId: member.user.id })).status).toBe(201)
    expect((await call('POST', `/customers/${a.customerId}/users`, token, { userId: member.user.id })).status).toBe(200)
    expect((await call('GET', `/coldcells/${a.coldCellId}`, member.token)).status).toBe(200)
    const clash = await call('POST', `/customers/${b.customerId}/users`, token, { userId: member.user.id })
    expect(clash.status).toBe(409)
    expect(error(clash).code).toBe('CONFLICT')
    expect((await call('DELETE', `/customers/${a.customerId}/users/${member.user.id}`, token)).status).toBe(204)
    expect((await call('GET', `/coldcells/${a.coldCellId}`, member.token)).status).toBe(404)
    expect((await call('POST', `/customers/${b.customerId}/users`, token, { userId: member.user.id })).status).toBe(201)
  })

  it('answers 422 when attaching a user without the customer role', async () => {
    const t = await seedTree()
    const tech = await seedUser({ roles: ['technician'] })
    expect((await call('POST', `/customers/${t.customerId}/users`, token, { userId: tech.user.id })).status).toBe(422)
  })
})

describe('locations', () => {
  it('creates, filters by customer, updates and deletes a location', async () => {
    const [a, b] = [await seedTree('A'), await seedTree('B')]
    const created = await call<Location>('POST', '/locations', token, {
      customerId: a.customerId,
      name: 'Dock 2',
      address: 'Kaigata 1',
    })
    expect(created.status).toBe(201)
    const loc = data(created)
    expect(loc).toMatchObject({ customerId: a.customerId, name: 'Dock 2', address: 'Kaigata 1' })
    const ids = data(await call<Location[]>('GET', `/locations?customerId=${a.customerId}`, token)).map((l) => l.id)
    expect(ids.sort()).toEqual([a.locationId, loc.id].sort())
    expect(
      data(await call<Location[]>('GET', `/locations?customerId=${b.customerId}`, token)).map((l) => l.id),
    ).toEqual([b.locationId])
    expect(
      data(
        await call<Location>('PUT', `/locations/${loc.id}`, token, {
          customerId: a.customerId,
          name: 'Dock 3',
          address: null,
        }),
      ),
    ).toMatchObject({ name: 'Dock 3', address: null })
    expect((await call('DELETE', `/locations/${loc.id}`, token)).status).toBe(204)
    expect((await call('GET', `/locations/${loc.id}`, token)).status).toBe(404)
  })

  it('refuses to move a location to another customer', async () => {
    const [a, b] = [await seedTree('A'), await seedTree('B')]
    const res = await call('PUT', `/locations/${a.locationId}`, token, { customerId: b.customerId, name: 'Moved' })
    expect(res.status).toBe(422)
    expect(Object.keys(error(res).details ?? {})).toEqual(['json.customerId'])
  })

  it('answers 404 when creating a location for a customer that does not exist', async () => {
    expect((await call('POST', '/locations', token, { customerId: crypto.randomUUID(), name: 'Nowhere' })).status).toBe(
      404,
    )
  })
})

describe('cold cells', () => {
  it('creates a cold cell with the default alert tuning and its parent ids', async () => {
    const t = await seedTree()
    const res = await call<ColdCell>('POST', '/coldcells', token, {
      locationId: t.locationId,
      name: 'Chiller',
      minTemp: 0,
      maxTemp: 4,
    })
    expect(res.status).toBe(201)
    expect(data(res)).toMatchObject({
      locationId: t.locationId,
      customerId: t.customerId,
      minTemp: 0,
      maxTemp: 4,
      pendingReadings: 1,
      pendingSeconds: 0,
      deadband: 0.5,
    })
    const listed = data(await call<ColdCell[]>('GET', `/coldcells?locationId=${t.locationId}`, token)).map((c) => c.id)
    expect(listed.sort()).toEqual([t.coldCellId, data(res).id].sort())
  })

  it('answers 422 when minTemp is not below maxTemp, on create and against stored values on update', async () => {
    const t = await seedTree()
    expect(
      (await call('POST', '/coldcells', token, { locationId: t.locationId, name: 'Flat', minTemp: 4, maxTemp: 4 }))
        .status,
    ).toBe(422)
    // Stored: -25..-18.
    const above = await call('PUT', `/coldcells/${t.coldCellId}`, token, { minTemp: -18 })
    expect(above.status).toBe(422)
    expect(Object.keys(error(above).details ?? {})).toEqual(['json.maxTemp'])
    expect((await call('PUT', `/coldcells/${t.coldCellId}`, token, { maxTemp: -30 })).status).toBe(422)
    expect(
      data(
        await call<ColdCell>('PUT', `/coldcells/${t.coldCellId}`, token, {
          minTemp: -22,
          pendingReadings: 3,
          deadband: 1,
        }),
      ),
    ).toMatchObject({ minTemp: -22, maxTemp: -18, pendingReadings: 3, deadband: 1 })
  })

  it('answers 422 for out-of-range tuning and unknown fields', async () => {
    const t = await seedTree()
    const base = { locationId: t.locationId, name: 'C', minTemp: 0, maxTemp: 4 }
    for (const bad of [
      { pendingReadings: 0 },
      { pendingReadings: 101 },
      { pendingSeconds: 86_401 },
      { deadband: 11 },
      { minTemp: '0' },
      { customerId: t.customerId },
    ]) {
      expect((await call('POST', '/coldcells', token, { ...base, ...bad })).status, JSON.stringify(bad)).toBe(422)
    }
  })
})

describe('devices', () => {
  it('returns the key once at creation, never on reads', async () => {
    const t = await seedTree()
    const res = await call<DeviceWithKey & Record<string, unknown>>('POST', '/devices', token, {
      coldCellId: t.coldCellId,
      serialNumber: serial(),
      firmwareVersion: '1.0.0',
    })
    expect(res.status).toBe(201)
    const created = data(res)
    expect(created.apiKey).toMatch(/^odk_/)
    expect(created.apiKey.startsWith(created.keyPrefix)).toBe(true)
    expect(created).toMatchObject({
      coldCellId: t.coldCellId,
      locationId: t.locationId,
      customerId: t.customerId,
      status: 'OFFLINE',
      lastSeenAt: null,
      firmwareVersion: '1.0.0',
    })
    expect(created).not.toHaveProperty('keyHash')
    const read = data(await call<Record<string, unknown>>('GET', `/devices/${created.id}`, token))
    expect(read).not.toHaveProperty('apiKey')
    expect(read).not.toHaveProperty('keyHash')
    const listed = data(await call<Record<string, unknown>[]>('GET', `/devices?coldCellId=${t.coldCellId}`, token))
    expect(listed.every((d) => !('apiKey' in d) && !('keyHash' in d))).toBe(true)
  })

  it('answers 409 for a serial number already taken', async () => {
    const t = await seedTree()
    const res = await call('POST', '/devices', token, { coldCellId: t.coldCellId, serialNumber: t.serialNumber })
    expect(res.status).toBe(409)
    expect(error(res).code).toBe('CONFLICT')
  })

  it('answers 422 for a serial number that is not 3–64 URL-safe characters', async () => {
    const t = await seedTree()
    for (const serialNumber of ['ab', 'has space', 'a/b', 'x'.repeat(65), 'ünï']) {
      expect(
        (await call('POST', '/devices', token, { coldCellId: t.coldCellId, serialNumber })).status,
        serialNumber,
      ).toBe(422)
    }
  })

  it('updates firmware and cold cell but refuses key, status and lastSeenAt', async () => {
    const [t, other] = [await seedTree(), await seedTree()]
    for (const extra of [
      { keyHash: 'x' },
      { status: 'ONLINE' },
      { lastSeenAt: new Date().toISOString() },
      { serialNumber: 'NEW-1' },
    ]) {
      const res = await call('PUT', `/devices/${t.deviceId}`, token, { firmwareVersion: '2.0.0', ...extra })
      expect(res.status).toBe(422)
      expect(unknownFields(res)).toEqual(['unknown field'])
    }
    const moved = data(
      await call<Device>('PUT', `/devices/${t.deviceId}`, token, {
        coldCellId: other.coldCellId,
        firmwareVersion: '2.0.0',
      }),
    )
    expect(moved).toMatchObject({
      coldCellId: other.coldCellId,
      customerId: other.customerId,
      firmwareVersion: '2.0.0',
      status: 'OFFLINE',
    })
  })

  it('regenerates the key: a new key, a new stored hash, and the old key refused', async () => {
    const t = await seedTree()
    const created = data(
      await call<DeviceWithKey>('POST', '/devices', token, { coldCellId: t.coldCellId, serialNumber: serial() }),
    )
    const hashOf = () =>
      withDb(
        async (db) => (await db.select({ h: devices.keyHash }).from(devices).where(eq(devices.id, created.id)))[0]!.h,
      )
    const before = await hashOf()
    const res = await call<DeviceWithKey>('POST', `/devices/${created.id}/regenerate-key`, token)
    expect(res.status).toBe(200)
    const renewed = data(res)
    expect(renewed.apiKey).not.toBe(created.apiKey)
    expect(await hashOf()).not.toBe(before)
    expect((await post(created.serialNumber, created.apiKey, reading(2))).status).toBe(401)
    expect((await post(created.serialNumber, renewed.apiKey, reading(2))).status).toBe(202)
    const again = data(await call<DeviceWithKey>('POST', `/devices/${created.id}/regenerate-key`, token))
    // The monitor had the old key cached; regenerating told it to forget.
    expect((await post(created.serialNumber, renewed.apiKey, reading(2))).status).toBe(401)
    expect((await post(created.serialNumber, again.apiKey, reading(2))).status).toBe(202)
  })

  it('filters the list by status and cold cell', async () => {
    const t = await seedTree()
    await withDb((db) => db.update(devices).set({ status: 'ONLINE' }).where(eq(devices.id, t.deviceId)))
    const online = data(await call<Device[]>('GET', `/devices?coldCellId=${t.coldCellId}&status=ONLINE`, token))
    expect(online.map((d) => d.id)).toEqual([t.deviceId])
    expect(data(await call<Device[]>('GET', `/devices?coldCellId=${t.coldCellId}&status=OFFLINE`, token))).toEqual([])
    expect((await call('GET', '/devices?status=BROKEN', token)).status).toBe(422)
  })
})

it('answers 422 for a malformed id on every cold-chain route', async () => {
  for (const [method, path] of [
    ['GET', '/customers/nope'],
    ['PUT', '/locations/nope'],
    ['DELETE', '/coldcells/nope'],
    ['GET', '/devices/nope'],
    ['POST', '/devices/nope/regenerate-key'],
    ['DELETE', `/customers/${crypto.randomUUID()}/technicians/nope`],
  ] as const) {
    const res = await call(method, path, token, method === 'PUT' ? { name: 'x' } : undefined)
    expect(res.status, `${method} ${path}`).toBe(422)
  }
})
