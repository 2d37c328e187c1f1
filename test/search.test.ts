/**
 * Search: full text plus trigrams over what the caller may read, filtered in the same SQL before
 * the LIMIT. Every fixture carries a word unique to this run, so other files' rows never match.
 */
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { devices } from '../src/db/schema'
import { refreshSearchWords } from '../src/features/search/search.service'
import { admin, customerUserOf, seedTree, technicianOf, type Tree } from './coldchain-helpers'
import { call, data, expectError, seedUser, validationDetails, withDb } from './helpers'

type Hit = { type: string; id: string; title: string; subtitle: string | null; highlight: string; score: number }
type Suggestion = { type: string; id: string; label: string }

// Letters only (trigrams and the tsvector split on digits and dashes differently); unique per run.
const word = `zq${crypto
  .randomUUID()
  .replace(/[^a-f]/g, '')
  .slice(0, 6)}vexbrook`

const search = (token: string, query: Record<string, string | number>) =>
  call<Hit[]>('GET', `/search?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`, token)
const suggest = (token: string, query: Record<string, string | number>) =>
  call<Suggestion[]>(
    'GET',
    `/search/autocomplete?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`,
    token,
  )

async function renameDevice(id: string, serialNumber: string, firmwareVersion: string | null = null) {
  await withDb((db) => db.update(devices).set({ serialNumber, firmwareVersion }).where(eq(devices.id, id)))
}

describe('search', () => {
  let adminToken: string
  let exact: string
  let longer: string
  let treeA: Tree
  let treeB: Tree

  beforeAll(async () => {
    adminToken = (await admin()).token
    exact = (await seedUser({ name: `Ada ${word}` })).user.id
    longer = (await seedUser({ name: `Grace ${word}ington` })).user.id
    treeA = await seedTree('Search A')
    treeB = await seedTree('Search B')
    await renameDevice(treeA.deviceId, treeA.serialNumber, `fw ${word}`)
    // B's device matches the query better than A's: it must still never reach A's users.
    await renameDevice(treeB.deviceId, word, `fw ${word} ${word} ${word}`)
  })

  it('finds users by name for an admin, the exact word ranked first, highlighted and escaped', async () => {
    const hits = data(await search(adminToken, { query: word, type: 'users' }))
    expect(hits.map((h) => h.id)).toEqual([exact, longer])
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score)
    expect(hits[0]).toMatchObject({ type: 'users', title: `Ada ${word}` })
    expect(hits[0]!.subtitle).toMatch(/@example\.com$/)
    expect(hits[0]!.highlight).toContain(`<mark>${word}</mark>`)

    const other = [...word].reverse().join('') // shares no word with the fixtures above
    const sneaky = (await seedUser({ name: `<b>${other}</b> <img src=x onerror=alert(1)>` })).user.id
    const [hit] = data(await search(adminToken, { query: other, type: 'users' }))
    expect(hit!.id).toBe(sneaky)
    expect(hit!.highlight).toContain(`<mark>${other}</mark>&lt;/b&gt;`)
    expect(hit!.highlight.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/)
  })

  it('tolerates typos and matches the start of a word', async () => {
    await withDb((db) => refreshSearchWords(db))
    const typo = `${word.slice(0, 6)}${word.slice(7)}` // one letter dropped
    const hits = data(await search(adminToken, { query: typo, type: 'users' }))
    expect(hits.map((h) => h.id)).toEqual(expect.arrayContaining([exact, longer]))
    const prefix = data(await suggest(adminToken, { query: word.slice(0, 8), type: 'users' }))
    expect(prefix.map((s) => s.id)).toEqual(expect.arrayContaining([exact, longer]))
  })

  it('pages, counts and sorts the hits', async () => {
    const first = await search(adminToken, { query: word, type: 'users', limit: 1 })
    expect(first.body).toMatchObject({ meta: { page: 1, limit: 1, total: 2 } })
    const second = await search(adminToken, { query: word, type: 'users', limit: 1, page: 2 })
    expect(data(second).map((h) => h.id)).toEqual([longer])
    const past = await search(adminToken, { query: word, type: 'users', page: 5 })
    expect(past.body).toMatchObject({ data: [], meta: { total: 2 } })
    const byName = data(await search(adminToken, { query: word, type: 'users', sortBy: 'name', sortOrder: 'desc' }))
    expect(byName.map((h) => h.title)).toEqual([`Grace ${word}ington`, `Ada ${word}`])
  })

  it('shows users to moderators but never to plain users', async () => {
    const moderator = await seedUser({ roles: ['moderator'] })
    expect(data(await search(moderator.token, { query: word, type: 'users' })).length).toBe(2)
    const user = await seedUser()
    const res = await search(user.token, { query: word, type: 'users' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ data: [], meta: { total: 0 } })
    expect(data(await search(user.token, { query: word })).length).toBe(0)
  })

  it("keeps devices within the caller's cold-chain scope, even when a foreign one ranks first", async () => {
    const all = data(await search(adminToken, { query: word, type: 'devices' }))
    expect(all.map((h) => h.id)).toEqual([treeB.deviceId, treeA.deviceId])

    const tech = await technicianOf(treeA.customerId)
    const seen = data(await search(tech.token, { query: word, type: 'devices', limit: 1 }))
    expect(seen.map((h) => h.id)).toEqual([treeA.deviceId])
    const customerUser = await customerUserOf(treeB.customerId)
    expect(data(await search(customerUser.token, { query: word })).map((h) => h.id)).toEqual([treeB.deviceId])
    expect(data(await suggest(tech.token, { query: word })).map((s) => s.id)).toEqual([treeA.deviceId])
  })

  it('searches every readable type when none is named, and applies filters of the named type', async () => {
    const mixed = data(await search(adminToken, { query: word }))
    expect(new Set(mixed.map((h) => h.type))).toEqual(new Set(['users', 'devices']))
    expect(
      validationDetails(await search(adminToken, { query: word, type: 'projects', priority: 'high' })),
    ).toHaveProperty(['query.priority'])
    const inCell = data(await search(adminToken, { query: word, type: 'devices', coldCellId: treeA.coldCellId }))
    expect(inCell.map((h) => h.id)).toEqual([treeA.deviceId])
    expect(data(await search(adminToken, { query: word, type: 'devices', status: 'ONLINE' }))).toEqual([])
    const unverified = data(await search(adminToken, { query: word, type: 'users', verified: 'false' }))
    expect(unverified).toEqual([])
  })

  it("filters devices by customer: each customer's device, and none of a customer outside the caller's scope", async () => {
    const of = async (token: string, customerId: string) =>
      data(await search(token, { query: word, type: 'devices', customerId })).map((h) => h.id)
    expect(await of(adminToken, treeA.customerId)).toEqual([treeA.deviceId])
    expect(await of(adminToken, treeB.customerId)).toEqual([treeB.deviceId])
    const tech = await technicianOf(treeA.customerId)
    expect(await of(tech.token, treeA.customerId)).toEqual([treeA.deviceId])
    expect(await of(tech.token, treeB.customerId)).toEqual([])
  })

  it('refuses what it cannot answer with a clear 422, and strangers with 401', async () => {
    expect(validationDetails(await suggest(adminToken, { query: 'a' }))).toHaveProperty(['query.query'])
    expect(validationDetails(await search(adminToken, { query: '' }))).toHaveProperty(['query.query'])
    expect(validationDetails(await search(adminToken, { query: word, status: 'ONLINE' }))).toHaveProperty([
      'query.status',
    ])
    expect(
      validationDetails(await search(adminToken, { query: word, type: 'users', status: 'ONLINE' })),
    ).toHaveProperty(['query.status'])
    expect(validationDetails(await search(adminToken, { query: word, type: 'widgets' }))).toHaveProperty(['query.type'])
    expectError(await call('GET', `/search?query=${word}`), 401, 'UNAUTHORIZED')
  })

  it('answers queries full-text syntax would choke on', async () => {
    for (const query of ['"unclosed', '!!!', 'a & | b', "o'brien", `${word} -nothing OR`, ':*'])
      expect((await search(adminToken, { query })).status).toBe(200)
    for (const query of ['!!', '&|', "''"]) expect((await suggest(adminToken, { query })).status).toBe(200)
  })
})

describe('search over collaboration data', () => {
  // Another unique word, so these fixtures never meet the ones above.
  const topic = `qx${crypto
    .randomUUID()
    .replace(/[^a-f]/g, '')
    .slice(0, 5)}plorian`
  type Ids = { project: string; tasks: Record<string, string> }
  let owner: Awaited<ReturnType<typeof seedUser>>
  let outsider: Awaited<ReturnType<typeof seedUser>>
  let adminToken: string
  let mine: Ids
  let theirs: Ids

  async function projectWith(token: string, name: string, titles: Record<string, string>): Promise<Ids> {
    const project = data(
      await call<{ id: string }>('POST', '/projects', token, { name, description: `All about ${topic}` }),
    )
    const ids: Record<string, string> = {}
    for (const [k, title] of Object.entries(titles))
      ids[k] = data(
        await call<{ id: string }>('POST', `/projects/${project.id}/tasks`, token, {
          title,
          description: `Check the ${topic} temperature sensors`,
          priority: k === 'urgent' ? 'urgent' : 'low',
        }),
      ).id
    return { project: project.id, tasks: ids }
  }

  beforeAll(async () => {
    owner = await seedUser()
    outsider = await seedUser()
    adminToken = (await admin()).token
    mine = await projectWith(owner.token, `Cold room ${topic}`, {
      urgent: `Calibrate ${topic} probes`,
      other: 'Paperwork',
    })
    // The outsider's project matches better (the word in the title twice): it must never reach the owner.
    theirs = await projectWith(outsider.token, `${topic} ${topic}`, { urgent: `${topic} ${topic} ${topic}` })
  })

  it("finds a member's projects and tasks, never another project's even when it ranks first", async () => {
    const projects = data(await search(owner.token, { query: topic, type: 'projects' }))
    expect(projects.map((h) => h.id)).toEqual([mine.project])
    const tasks = data(await search(owner.token, { query: topic, type: 'tasks', limit: 1 }))
    expect(tasks.map((h) => h.id)).toEqual([mine.tasks.urgent])
    const all = data(await search(owner.token, { query: topic, limit: 100 }))
    expect(all.map((h) => h.id)).not.toContain(theirs.project)
    expect(all.map((h) => h.id)).not.toContain(theirs.tasks.urgent)
    const admin = data(await search(adminToken, { query: topic, type: 'projects' }))
    expect(admin.map((h) => h.id).sort()).toEqual([mine.project, theirs.project].sort())
    // The control: the outsider's task does rank first, for a caller who may read both.
    const first = data(await search(adminToken, { query: topic, type: 'tasks', limit: 1 }))
    expect(first.map((h) => h.id)).toEqual([theirs.tasks.urgent])
  })

  it('stems English words, tolerates typos, and filters tasks', async () => {
    await withDb((db) => refreshSearchWords(db))
    const stemmed = data(await search(owner.token, { query: 'sensor calibration', type: 'tasks' }))
    expect(stemmed.map((h) => h.id)).toContain(mine.tasks.urgent)
    const typo = data(await search(owner.token, { query: 'temprature', type: 'tasks' }))
    expect(typo.map((h) => h.id)).toEqual(expect.arrayContaining([mine.tasks.urgent, mine.tasks.other]))
    const urgent = data(await search(owner.token, { query: topic, type: 'tasks', priority: 'urgent' }))
    expect(urgent.map((h) => h.id)).toEqual([mine.tasks.urgent])
    expect(urgent[0]!.subtitle).toBe(`Cold room ${topic}`)
    const inProject = data(await search(owner.token, { query: topic, type: 'tasks', projectId: theirs.project }))
    expect(inProject).toEqual([])
  })

  it('shows published posts to everyone, drafts to their author only', async () => {
    const published = data(
      await call<{ id: string }>('POST', '/posts', owner.token, {
        title: `On ${topic}`,
        content: 'Notes',
        published: true,
      }),
    )
    const draft = data(
      await call<{ id: string }>('POST', '/posts', owner.token, { title: `Draft ${topic}`, content: 'Later' }),
    )
    const own = data(await search(owner.token, { query: topic, type: 'posts' }))
    expect(own.map((h) => h.id).sort()).toEqual([published.id, draft.id].sort())
    const others = data(await search(outsider.token, { query: topic, type: 'posts' }))
    expect(others.map((h) => h.id)).toEqual([published.id])
    const drafts = data(await search(owner.token, { query: topic, type: 'posts', published: 'false' }))
    expect(drafts.map((h) => h.id)).toEqual([draft.id])
  })

  it('suggests project and task names from their first letters', async () => {
    const suggestions = data(await suggest(owner.token, { query: `calibr ${topic.slice(0, 4)}`, limit: 10 }))
    expect(suggestions.map((s) => s.id)).toContain(mine.tasks.urgent)
    expect(suggestions.map((s) => s.id)).not.toContain(theirs.tasks.urgent)
  })

  it('filters by project status, task status, assignee and author, and sorts by creation time', async () => {
    const patched = await call('PATCH', `/tasks/${mine.tasks.other}`, owner.token, { status: 'done' })
    expect(patched.status).toBe(200)
    const assigned = await call('PATCH', `/tasks/${mine.tasks.urgent}`, owner.token, { assigneeId: owner.user.id })
    expect(assigned.status).toBe(200)
    const tasks = (q: Record<string, string>) => search(owner.token, { query: topic, type: 'tasks', ...q })
    expect(data(await tasks({ taskStatus: 'done' })).map((h) => h.id)).toEqual([mine.tasks.other])
    expect(data(await tasks({ taskStatus: 'todo' })).map((h) => h.id)).toEqual([mine.tasks.urgent])
    expect(data(await tasks({ assigneeId: owner.user.id })).map((h) => h.id)).toEqual([mine.tasks.urgent])
    expect(data(await tasks({ assigneeId: outsider.user.id }))).toEqual([])
    // Created urgent first, then other: oldest first, then newest first, whatever the ranking says.
    const oldest = data(await tasks({ sortBy: 'createdAt', sortOrder: 'asc' })).map((h) => h.id)
    expect(oldest).toEqual([mine.tasks.urgent, mine.tasks.other])
    const newest = data(await tasks({ sortBy: 'createdAt' })).map((h) => h.id)
    expect(newest).toEqual([mine.tasks.other, mine.tasks.urgent])

    expect((await call('PUT', `/projects/${theirs.project}`, outsider.token, { status: 'archived' })).status).toBe(200)
    const projects = (projectStatus: string) =>
      search(adminToken, { query: topic, type: 'projects', projectStatus }).then((r) => data(r).map((h) => h.id))
    expect(await projects('archived')).toEqual([theirs.project])
    expect(await projects('active')).toEqual([mine.project])

    const theirPost = data(
      await call<{ id: string }>('POST', '/posts', outsider.token, {
        title: `Theirs ${topic}`,
        content: 'x',
        published: true,
      }),
    )
    const byOutsider = data(await search(owner.token, { query: topic, type: 'posts', authorId: outsider.user.id }))
    expect(byOutsider.map((h) => h.id)).toEqual([theirPost.id])
    const byOwner = data(await search(outsider.token, { query: topic, type: 'posts', authorId: owner.user.id }))
    expect(byOwner.every((h) => h.id !== theirPost.id)).toBe(true)
    expect(byOwner.length).toBe(1)
  })
})
