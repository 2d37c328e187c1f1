/**
 * The scope matrix of the cold-chain tree. Each actor faces a fresh tree of customer A (customer,
 * location, cold cell, device) and gets an exact status on every route: admins and linked
 * technicians manage it, A's own users read it, everyone else gets 404 and lists that leave A out.
 */
import { describe, expect, it } from 'vitest'
import { call, data, seedUser } from './helpers'
import { admin, customerUserOf, seedTree, serial, technicianOf, type Tree } from './coldchain-helpers'

type Kind = 'read' | 'update' | 'create' | 'regenerate' | 'delete'
type Op = {
  name: string
  kind: Kind
  method: 'GET' | 'PUT' | 'POST' | 'DELETE'
  path: (t: Tree) => string
  body?: (t: Tree) => unknown
}

// Deletes run last and children first, so each one meets its own target still in place.
const OPS: Op[] = [
  { name: 'GET customer', kind: 'read', method: 'GET', path: (t) => `/customers/${t.customerId}` },
  { name: 'GET location', kind: 'read', method: 'GET', path: (t) => `/locations/${t.locationId}` },
  { name: 'GET cold cell', kind: 'read', method: 'GET', path: (t) => `/coldcells/${t.coldCellId}` },
  { name: 'GET device', kind: 'read', method: 'GET', path: (t) => `/devices/${t.deviceId}` },
  {
    name: 'PUT customer',
    kind: 'update',
    method: 'PUT',
    path: (t) => `/customers/${t.customerId}`,
    body: () => ({ name: 'Renamed' }),
  },
  {
    name: 'PUT location',
    kind: 'update',
    method: 'PUT',
    path: (t) => `/locations/${t.locationId}`,
    body: () => ({ name: 'Renamed' }),
  },
  {
    name: 'PUT cold cell',
    kind: 'update',
    method: 'PUT',
    path: (t) => `/coldcells/${t.coldCellId}`,
    body: () => ({ maxTemp: -15 }),
  },
  {
    name: 'PUT device',
    kind: 'update',
    method: 'PUT',
    path: (t) => `/devices/${t.deviceId}`,
    body: () => ({ firmwareVersion: '9.9.9' }),
  },
  {
    name: 'POST location under customer',
    kind: 'create',
    method: 'POST',
    path: () => '/locations',
    body: (t) => ({ customerId: t.customerId, name: 'Child' }),
  },
  {
    name: 'POST cold cell under location',
    kind: 'create',
    method: 'POST',
    path: () => '/coldcells',
    body: (t) => ({ locationId: t.locationId, name: 'Child', minTemp: 0, maxTemp: 4 }),
  },
  {
    name: 'POST device under cold cell',
    kind: 'create',
    method: 'POST',
    path: () => '/devices',
    body: (t) => ({ coldCellId: t.coldCellId, serialNumber: serial() }),
  },
  {
    name: 'POST regenerate-key',
    kind: 'regenerate',
    method: 'POST',
    path: (t) => `/devices/${t.deviceId}/regenerate-key`,
  },
  { name: 'DELETE device', kind: 'delete', method: 'DELETE', path: (t) => `/devices/${t.deviceId}` },
  { name: 'DELETE cold cell', kind: 'delete', method: 'DELETE', path: (t) => `/coldcells/${t.coldCellId}` },
  { name: 'DELETE location', kind: 'delete', method: 'DELETE', path: (t) => `/locations/${t.locationId}` },
  { name: 'DELETE customer', kind: 'delete', method: 'DELETE', path: (t) => `/customers/${t.customerId}` },
]

const FULL: Record<Kind, number> = { read: 200, update: 200, create: 201, regenerate: 200, delete: 204 }

type Actor = {
  title: string
  /** Signs the actor in; `a` is the tree under test, `b` another customer's. */
  make: (a: Tree, b: Tree) => Promise<{ token: string }>
  expected: (op: Op) => number
  seesA: boolean
}

const ACTORS: Actor[] = [
  {
    title: 'an admin reads, changes, extends and deletes all of it',
    make: () => admin(),
    expected: (op) => FULL[op.kind],
    seesA: true,
  },
  {
    title: 'a linked technician manages the tree but cannot delete the customer (403)',
    make: (a) => technicianOf(a.customerId),
    expected: (op) => (op.name === 'DELETE customer' ? 403 : FULL[op.kind]),
    seesA: true,
  },
  {
    title: 'a user of customer A reads its tree and gets 403 on every write',
    make: (a) => customerUserOf(a.customerId),
    expected: (op) => (op.kind === 'read' ? 200 : 403),
    seesA: true,
  },
  {
    title: 'a user of customer B gets 404 everywhere in A, creating under A included',
    make: (_, b) => customerUserOf(b.customerId),
    expected: () => 404,
    seesA: false,
  },
  {
    title: 'a technician linked to B but not A gets 404 everywhere in A',
    make: (_, b) => technicianOf(b.customerId),
    expected: () => 404,
    seesA: false,
  },
  {
    title: 'a user without a cold-chain role gets 404 everywhere',
    make: () => seedUser(),
    expected: () => 404,
    seesA: false,
  },
]

const LISTS = [
  { path: '/customers', id: (t: Tree) => t.customerId },
  { path: '/locations', id: (t: Tree) => t.locationId },
  { path: '/coldcells', id: (t: Tree) => t.coldCellId },
  { path: '/devices', id: (t: Tree) => t.deviceId },
]

describe('cold-chain scope matrix', () => {
  it.each(ACTORS)('$title', async ({ make, expected, seesA }) => {
    const [a, b] = [await seedTree('A'), await seedTree('B')]
    const { token } = await make(a, b)

    for (const list of LISTS) {
      const ids = data(await call<{ id: string }[]>('GET', `${list.path}?limit=100`, token)).map((r) => r.id)
      expect(ids.includes(list.id(a)), `${list.path} lists A`).toBe(seesA)
    }
    // Filtering by a foreign parent narrows to nothing rather than revealing anything.
    for (const path of [
      `/locations?customerId=${a.customerId}`,
      `/coldcells?locationId=${a.locationId}`,
      `/devices?coldCellId=${a.coldCellId}`,
    ]) {
      expect(data(await call<unknown[]>('GET', path, token)).length > 0, path).toBe(seesA)
    }

    const got: Record<string, number> = {}
    const want: Record<string, number> = {}
    for (const op of OPS) {
      got[op.name] = (await call(op.method, op.path(a), token, op.body?.(a))).status
      want[op.name] = expected(op)
    }
    expect(got).toEqual(want)

    // Refused writes leave A untouched.
    const wrote = Object.values(want).some((s) => s === 201 || s === 204)
    if (!wrote) {
      const root = (await admin()).token
      expect(data(await call<{ name: string }>('GET', `/customers/${a.customerId}`, root)).name).toBe('A')
      expect(data(await call<{ maxTemp: number }>('GET', `/coldcells/${a.coldCellId}`, root)).maxTemp).toBe(-18)
    }
  })
})

describe('admin-only customer management', () => {
  it('answers 403 to a linked technician and to the customer’s own user on create and links', async () => {
    const a = await seedTree('A')
    const other = await technicianOf()
    for (const actor of [await technicianOf(a.customerId), await customerUserOf(a.customerId)]) {
      expect((await call('POST', '/customers', actor.token, { name: 'Mine' })).status).toBe(403)
      expect(
        (await call('POST', `/customers/${a.customerId}/technicians`, actor.token, { userId: other.user.id })).status,
      ).toBe(403)
      expect(
        (await call('DELETE', `/customers/${a.customerId}/technicians/${other.user.id}`, actor.token)).status,
      ).toBe(403)
      expect(
        (await call('POST', `/customers/${a.customerId}/users`, actor.token, { userId: actor.user.id })).status,
      ).toBe(403)
      expect((await call('DELETE', `/customers/${a.customerId}/users/${actor.user.id}`, actor.token)).status).toBe(403)
    }
  })

  it('answers 404 on the link routes of a customer outside the caller’s scope', async () => {
    const [a, b] = [await seedTree('A'), await seedTree('B')]
    const tech = await technicianOf(b.customerId)
    expect(
      (await call('POST', `/customers/${a.customerId}/technicians`, tech.token, { userId: tech.user.id })).status,
    ).toBe(404)
    expect((await call('DELETE', `/customers/${a.customerId}/technicians/${tech.user.id}`, tech.token)).status).toBe(
      404,
    )
    expect((await call('POST', `/customers/${a.customerId}/users`, tech.token, { userId: tech.user.id })).status).toBe(
      404,
    )
  })

  it('lets a linked technician rename its customer', async () => {
    const a = await seedTree('A')
    const tech = await technicianOf(a.customerId)
    expect(
      data(await call<{ name: string }>('PUT', `/customers/${a.customerId}`, tech.token, { name: 'A renamed' })).name,
    ).toBe('A renamed')
  })
})

describe('moving within scope', () => {
  it('lets a technician of A and B move a device between them, but not into a cold cell outside its scope (404)', async () => {
    const [a, b, c] = [await seedTree('A'), await seedTree('B'), await seedTree('C')]
    const tech = await technicianOf(a.customerId, b.customerId)
    const moved = await call<{ customerId: string }>('PUT', `/devices/${a.deviceId}`, tech.token, {
      coldCellId: b.coldCellId,
    })
    expect(data(moved).customerId).toBe(b.customerId)
    expect((await call('PUT', `/devices/${a.deviceId}`, tech.token, { coldCellId: c.coldCellId })).status).toBe(404)
  })

  it('answers 422 when a cold cell would move to a location of another customer, 404 outside the scope', async () => {
    const [a, b, c] = [await seedTree('A'), await seedTree('B'), await seedTree('C')]
    const tech = await technicianOf(a.customerId, b.customerId)
    expect((await call('PUT', `/coldcells/${a.coldCellId}`, tech.token, { locationId: b.locationId })).status).toBe(422)
    expect((await call('PUT', `/coldcells/${a.coldCellId}`, tech.token, { locationId: c.locationId })).status).toBe(404)
  })
})
