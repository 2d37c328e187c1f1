import { and, eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { roles, technicianCustomers } from '../src/db/schema'
import { admin, customerUserOf, seedTree, technicianOf, type Tree } from './coldchain-helpers'
import { call, seedUser, withDb } from './helpers'
import {
  expectSocketClosed,
  expectSocketOpen,
  expectStreamClosed,
  openSse,
  publishAfter,
  uniqueChannel,
  openGreeted,
} from './realtime-clients'

// A change to a user's roles or customer links re-checks the channels they are connected to:
// those they may no longer read close (4003) before the change's request answers, the rest stay.

const REVOKED = 'access to this channel was revoked'

let boss: Awaited<ReturnType<typeof admin>>
let a: Tree
let b: Tree
beforeAll(async () => {
  ;[boss, a, b] = await Promise.all([admin(), seedTree('A'), seedTree('B')])
})

const sockets = openGreeted

describe('role and link changes re-check live channels', () => {
  it("closes a demoted admin's sockets and streams on channels only admins read, and keeps the rest", async () => {
    const [demoted, other] = await Promise.all([seedUser({ roles: ['admin', 'user'] }), seedUser()])
    const [foreign, own, pub] = [`user:${other.user.id}`, `user:${demoted.user.id}`, uniqueChannel('demote')]
    const [lost, ...kept] = await sockets(demoted.token, foreign, own, pub)
    const auth = { authorization: `Bearer ${demoted.token}` }
    const stream = await openSse(`/api/v1/sse/auth/connect?channels=${foreign},${pub}`, auth)
    await stream.next()
    const [adminRole] = await withDb((db) => db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'admin')))
    const res = await call('DELETE', `/rbac/users/${demoted.user.id}/roles`, boss.token, { roleId: adminRole!.id })
    expect(res.status).toBe(204)
    await publishAfter(foreign, own, pub)
    expect(await expectSocketClosed(lost!, 4003)).toBe(REVOKED)
    expect(await expectStreamClosed(stream, 4003)).toEqual({ code: 4003, reason: REVOKED, channel: foreign })
    for (const s of kept) await expectSocketOpen(s)
  })

  it("closes the customer channels of a technician whose only role becomes 'user'", async () => {
    const tech = await technicianOf(a.customerId)
    const [cust, cell] = await sockets(tech.token, `customer:${a.customerId}`, `coldcell:${a.coldCellId}`)
    expect((await call('PUT', `/admin/users/${tech.user.id}/role`, boss.token, { role: 'user' })).status).toBe(200)
    await publishAfter(`customer:${a.customerId}`, `coldcell:${a.coldCellId}`)
    await expectSocketClosed(cust!, 4003)
    await expectSocketClosed(cell!, 4003)
  })

  it("unlinking a technician closes that customer's channels only", async () => {
    const tech = await technicianOf(a.customerId, b.customerId)
    const channels = [`customer:${a.customerId}`, `coldcell:${a.coldCellId}`, `customer:${b.customerId}`]
    const [custA, cellA, custB] = await sockets(tech.token, ...channels)
    const res = await call('DELETE', `/customers/${a.customerId}/technicians/${tech.user.id}`, boss.token)
    expect(res.status).toBe(204)
    await publishAfter(...channels)
    await expectSocketClosed(custA!, 4003)
    await expectSocketClosed(cellA!, 4003)
    await expectSocketOpen(custB!)
  })

  it("detaching a customer's user closes its channels of that customer", async () => {
    const member = await customerUserOf(b.customerId)
    const [cust, cell] = await sockets(member.token, `customer:${b.customerId}`, `coldcell:${b.coldCellId}`)
    expect((await call('DELETE', `/customers/${b.customerId}/users/${member.user.id}`, boss.token)).status).toBe(204)
    await publishAfter(`customer:${b.customerId}`, `coldcell:${b.coldCellId}`)
    await expectSocketClosed(cust!, 4003)
    await expectSocketClosed(cell!, 4003)
  })

  it('deleting a customer closes the channels of the users linked to it', async () => {
    const doomed = await seedTree('Doomed')
    const [tech, member] = await Promise.all([technicianOf(doomed.customerId), customerUserOf(doomed.customerId)])
    const ch = `customer:${doomed.customerId}`
    const [techSocket, memberSocket, adminSocket] = [
      ...(await sockets(tech.token, ch)),
      ...(await sockets(member.token, ch)),
      ...(await sockets(boss.token, ch)),
    ]
    expect((await call('DELETE', `/customers/${doomed.customerId}`, boss.token)).status).toBe(204)
    await publishAfter(ch)
    await expectSocketClosed(techSocket!, 4003)
    await expectSocketClosed(memberSocket!, 4003)
    await expectSocketOpen(adminSocket!)
    adminSocket!.ws.close()
  })

  it('closes a socket whose link was removed unseen when it next sends a token (4003)', async () => {
    const tech = await technicianOf(a.customerId)
    const [s] = await sockets(tech.token, `customer:${a.customerId}`)
    await withDb((db) =>
      db
        .delete(technicianCustomers)
        .where(
          and(eq(technicianCustomers.technicianId, tech.user.id), eq(technicianCustomers.customerId, a.customerId)),
        ),
    )
    s!.send({ event: 'auth', data: { token: tech.token } })
    expect(await expectSocketClosed(s!, 4003)).toBe(REVOKED)
  })

  it('answers an auth frame of a socket that may still read its channel with its new expiry', async () => {
    const tech = await technicianOf(a.customerId)
    const [s] = await sockets(tech.token, `customer:${a.customerId}`)
    s!.send({ event: 'auth', data: { token: tech.token } })
    expect((await s!.next('authenticated')).data.expiresAt).toEqual(expect.any(String))
    await publishAfter(`customer:${a.customerId}`)
    await expectSocketOpen(s!)
    s!.ws.close()
  })
})
