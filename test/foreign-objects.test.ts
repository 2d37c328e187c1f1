/**
 * The authorization matrix's 2xx cells, for data: what a `user`, a `technician` and a `customer` user may read holds
 * nothing of a stranger (another user, outside every project) or of another tenant (a customer none of them serves).
 * Generated from the route table (test/route-access.ts), so a route added later is covered: every list a caller
 * reaches must not name a foreign object, and every route taking an id must answer 404 to each foreign object's id,
 * whatever its kind, changing nothing. Admins see everything by design; moderators read users and drafts (SPEC).
 */
import { SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  alerts,
  coldCells,
  customers,
  devices,
  jobs,
  locations,
  notifications,
  payments,
  posts,
  projects,
  tasks,
  uploads,
} from '../src/db/schema'
import { BASE, call, data, seedUser, withDb } from './helpers'
import { post, reading, seedDevice } from './coldchain-fixtures'
import { createJob, ECHO } from './jobs-fixtures'
import { type Credentials, seedPrincipals } from './principals'
import { type Access, ROLES, ROUTE_ACCESS } from './route-access'
import { png, upload } from './upload-helpers'

const CALLERS = ['user', 'technician', 'customer'] as const
type Caller = (typeof CALLERS)[number]

/** A word only the stranger's objects hold, so a search for it can only find theirs. */
const WORD = `zebraword${crypto.randomUUID().slice(0, 6)}`

let callers: Record<Caller, Credentials>
let owners: { stranger: string; admin: Credentials }
/** Each foreign object's id by what it is. */
let foreign: Record<string, string>

beforeAll(async () => {
  const { principals } = await seedPrincipals()
  callers = principals
  const stranger = await seedUser({ name: `Stranger ${WORD}` })
  owners = { stranger: stranger.token, admin: principals.admin }
  const token = stranger.token
  const project = data(await call<{ id: string }>('POST', '/projects', token, { name: `Project ${WORD}` }))
  const task = data(
    await call<{ id: string }>('POST', `/projects/${project.id}/tasks`, token, { title: `Task ${WORD}` }),
  )
  const draft = data(
    await call<{ id: string }>('POST', '/posts', token, { title: `Draft ${WORD}`, content: WORD, published: false }),
  )
  const job = await createJob(token, { name: `Job ${WORD}`, targetUrl: `${ECHO}/foreign` })
  const file = data(await upload(token, [{ bytes: png(), name: `${WORD}.png`, type: 'image/png' }]))
  const session = data(
    await call<{ id: string }>('POST', '/uploads/sessions', token, {
      filename: `${WORD}.png`,
      contentType: 'image/png',
    }),
  )
  const [note, payment] = await withDb((db) =>
    Promise.all([
      db
        .insert(notifications)
        .values({ userId: stranger.user.id, type: 'info', title: `Note ${WORD}`, message: WORD })
        .returning({ id: notifications.id }),
      db
        .insert(payments)
        .values({ userId: stranger.user.id, plan: 'PRO', stripeSessionId: `cs_${WORD}` })
        .returning({ id: payments.id }),
    ]),
  )
  // Another tenant: a customer none of the callers serves, with a device whose reading opened an alert.
  const tenant = await seedDevice()
  const hot = data(await post(tenant.serialNumber, tenant.key, reading(9)))
  foreign = {
    project: project.id,
    task: task.id,
    draft: draft.id,
    job,
    upload: file.id,
    session: session.id,
    notification: note[0]!.id,
    payment: payment[0]!.id,
    customer: tenant.customerId,
    location: tenant.location.id,
    coldCell: tenant.cell.id,
    device: tenant.device.id,
    alert: hot.alerts[0]!.id,
  }
})

const passes = ({ gate }: Access, caller: Caller) =>
  gate === 'signedIn' || (Array.isArray(gate) && gate.includes(caller)) || gate === 'optional'

async function send(caller: Caller, method: string, path: string) {
  const write = method !== 'GET'
  const res = await SELF.fetch(`${BASE}${path}`, {
    method,
    headers: { ...callers[caller].headers, ...(write ? { 'content-type': 'application/json' } : {}) },
    body: write ? '{}' : undefined,
  })
  // A live stream never ends; what it sends is per channel, covered by test/realtime-access.test.ts.
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel()
    return { status: res.status, text: '' }
  }
  return { status: res.status, text: await res.text() }
}

/** The foreign ids a response names. */
const named = (text: string) => Object.entries(foreign).filter(([, id]) => text.includes(id))

describe("a stranger's and another tenant's objects", () => {
  it('are absent from every list and search a user, a technician or a customer user reaches', async () => {
    expect(ROLES).toEqual(expect.arrayContaining([...CALLERS]))
    const lists = Object.entries(ROUTE_ACCESS).filter(
      ([route, access]) => route.startsWith('GET /api/') && !route.includes(':') && access.open === 200,
    )
    const paths = [
      ...lists.map(([route]) => route.slice(4)),
      `/api/v1/search?query=${WORD}`,
      `/api/v1/search/autocomplete?query=${WORD.slice(0, 6)}`,
    ]
    const leaks: string[] = []
    let cells = 0
    for (const caller of CALLERS) {
      for (const path of paths) {
        const access = ROUTE_ACCESS[`GET ${path.split('?')[0]}`]!
        if (!passes(access, caller)) continue
        cells++
        const { status, text } = await send(caller, 'GET', path)
        if (status !== 200) leaks.push(`${caller} GET ${path}: ${status}`)
        for (const [what] of named(text)) leaks.push(`${caller} GET ${path}: names the ${what}`)
        if (path.includes('search') && text.includes(WORD)) leaks.push(`${caller} GET ${path}: finds ${WORD}`)
      }
    }
    // The control: the same lists do name them for their owner and for an admin, so the check can fail.
    const seen = async (path: string, token?: string) => {
      const headers = token ? { authorization: `Bearer ${token}` } : owners.admin.headers
      return named(await (await SELF.fetch(`${BASE}${path}`, { headers })).text()).map(([what]) => what)
    }
    expect(await seen(`/api/v1/search?query=${WORD}`, owners.stranger)).toEqual(
      expect.arrayContaining(['project', 'task', 'draft']),
    )
    expect(await seen('/api/v1/jobs', owners.stranger)).toEqual(['job'])
    expect(await seen('/api/v1/notifications', owners.stranger)).toEqual(['notification'])
    expect(await seen('/api/v1/alerts')).toEqual(expect.arrayContaining(['alert', 'customer', 'device']))
    console.log(`foreign objects: ${cells} list and search cells, ${leaks.length} leaks`)
    expect(cells).toBeGreaterThan(40)
    expect(leaks).toEqual([])
  })

  it('answer 404 on every route taking an id, for each caller, and nothing of theirs changes', async () => {
    // Routes whose probe (unknown ids, `{}` body) reached the handler's 404: only the id decides their answer.
    const byId = Object.entries(ROUTE_ACCESS).filter(
      ([route, access]) =>
        access.open === 404 && /:(id|userId|jobId)\b/.test(route) && !/:(file|n|channel)\b/.test(route),
    )
    const before = await snapshot()
    const wrong: string[] = []
    let cells = 0
    for (const caller of CALLERS) {
      for (const [route, access] of byId) {
        if (!passes(access, caller)) continue
        const [method, pattern] = route.split(' ') as [string, string]
        await Promise.all(
          Object.entries(foreign).map(async ([what, id]) => {
            cells++
            const { status } = await send(caller, method, pattern.replace(/:\w+/g, id))
            if (status !== 404) wrong.push(`${caller} ${method} ${pattern} with the ${what}: ${status}`)
          }),
        )
      }
    }
    console.log(`foreign objects: ${cells} id cells over ${byId.length} routes, ${wrong.length} not 404`)
    expect(byId.length).toBeGreaterThan(30)
    expect(wrong).toEqual([])
    expect(await snapshot()).toEqual(before)
  })
})

/** The foreign rows a write could have touched, as they are. */
const snapshot = () =>
  withDb(async (db) => ({
    projects: await db.select().from(projects).where(eq(projects.id, foreign.project!)),
    tasks: await db.select().from(tasks).where(eq(tasks.id, foreign.task!)),
    posts: await db.select().from(posts).where(eq(posts.id, foreign.draft!)),
    jobs: await db.select().from(jobs).where(eq(jobs.id, foreign.job!)),
    uploads: await db.select().from(uploads).where(eq(uploads.id, foreign.upload!)),
    notifications: await db.select().from(notifications).where(eq(notifications.id, foreign.notification!)),
    alerts: await db.select().from(alerts).where(eq(alerts.id, foreign.alert!)),
    customers: await db.select().from(customers).where(eq(customers.id, foreign.customer!)),
    locations: await db.select().from(locations).where(eq(locations.id, foreign.location!)),
    coldCells: await db.select().from(coldCells).where(eq(coldCells.id, foreign.coldCell!)),
    devices: await db
      .select({ id: devices.id, keyHash: devices.keyHash, name: devices.serialNumber })
      .from(devices)
      .where(eq(devices.id, foreign.device!)),
    payments: await db.select().from(payments).where(eq(payments.id, foreign.payment!)),
  }))
