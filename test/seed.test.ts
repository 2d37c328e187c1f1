/**
 * The demo seed (scripts/seed.ts, issue 17, part 5): run twice it leaves the same row counts, and what it prints is
 * what it wrote (the created items exist, the printed passwords sign in, the printed device keys post readings).
 * It runs here, inside workerd, on this file's own database (node-postgres over nodejs_compat sockets).
 */
import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { seed, seedSummary } from '../scripts/seed'
import { DEMO_COLDCHAIN, resolvedAlertsFor } from '../scripts/seed-coldchain-data'
import { api, data, withDb } from './helpers'
import { post, reading } from './coldchain-fixtures'

async function rowCounts() {
  return withDb(async (db) => {
    const { rows } = await db.execute<{ name: string }>(
      sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like '%migrations%' order by 1`,
    )
    const counts: Record<string, number> = {}
    for (const { name } of rows)
      counts[name] = (await db.execute<{ n: number }>(sql.raw(`select count(*)::int as n from "${name}"`))).rows[0]!.n
    return counts
  })
}

describe('the demo seed', () => {
  it('writes what it prints, and a second run changes no row count and says so', async () => {
    const keysFile = `/tmp/outpost-seed-${crypto.randomUUID()}.json`
    const before = await rowCounts()
    const first = await seed(env.DATABASE_URL, { keysFile })
    const afterFirst = await rowCounts()
    const printed = seedSummary(first)

    // What it says it created is there: each user and each job, and as many rows as it names.
    const createdUsers = first.created.filter((c) => c.includes('@'))
    const createdJobs = first.created.filter((c) => c.startsWith('job "'))
    expect(printed[0]).toBe(`seeded: ${first.created.join(', ')}`)
    expect(afterFirst.users! - before.users!).toBe(createdUsers.length)
    expect(afterFirst.jobs! - before.jobs!).toBe(createdJobs.length)
    const second = await seed(env.DATABASE_URL, { keysFile })
    expect(second.created).toEqual([])
    expect(seedSummary(second)[0]).toBe('seed data already present')
    const afterSecond = await rowCounts()
    const changed = Object.keys(afterSecond).filter((t) => afterSecond[t] !== afterFirst[t])
    expect(changed.map((t) => `${t}: ${afterFirst[t]} → ${afterSecond[t]}`)).toEqual([])
    // The same keys are printed again.
    expect(second.devices).toEqual(first.devices)

    // The printed credentials sign in; the printed device keys are the devices' keys.
    for (const u of first.users) {
      expect(printed).toContain(`  ${u.role.padEnd(10)} ${u.email}  password: ${u.password}`)
      const res = await api('/api/v1/auth/login', { method: 'POST', json: { email: u.email, password: u.password } })
      expect(res.status, u.email).toBe(200)
    }
    expect(first.devices.length).toBeGreaterThan(0)
    for (const d of first.devices) {
      expect(printed).toContain(`  device     ${d.serialNumber}  x-device-key: ${d.key}`)
      expect(data(await post(d.serialNumber, d.key, reading(2))).accepted, d.serialNumber).toBe(1)
    }
  })

  it('gives user@outpost.dev demo projects with the moderator as a member, a dozen tasks across statuses and posts', async () => {
    await seed(env.DATABASE_URL, { keysFile: `/tmp/outpost-seed-${crypto.randomUUID()}.json` })
    const { rows } = await withDb((db) =>
      db.execute<{
        projects: number
        moderated: number
        tasks: number
        statuses: number
        tomorrow: number
        posts: number
      }>(sql`
        with owner as (select id from users where email = 'user@outpost.dev'),
             moderator as (select id from users where email = 'moderator@outpost.dev'),
             mine as (select p.id from projects p where p.owner_id = (select id from owner))
        select (select count(*)::int from mine) as projects,
               (select count(*)::int from project_members m
                  where m.project_id in (select id from mine) and m.user_id = (select id from moderator)) as moderated,
               (select count(*)::int from tasks t where t.project_id in (select id from mine)) as tasks,
               (select count(distinct status)::int from tasks t where t.project_id in (select id from mine)) as statuses,
               (select count(*)::int from tasks t where t.project_id in (select id from mine)
                  and t.due_date between now() and now() + interval '36 hours') as tomorrow,
               (select count(*)::int from posts where author_id = (select id from owner)) as posts`),
    )
    const seeded = rows[0]!
    expect(seeded.projects).toBeGreaterThanOrEqual(2)
    expect(seeded.moderated).toBe(seeded.projects)
    expect(seeded.tasks).toBeGreaterThanOrEqual(12)
    expect(seeded.statuses).toBe(4)
    expect(seeded.tomorrow).toBeGreaterThan(0)
    expect(seeded.posts).toBeGreaterThanOrEqual(3)
  })
})

describe('the demo cold chain', () => {
  it("words each cell's last incident at any minute of the day (at 03:21 UTC the seed crashed: no readings of it)", () => {
    const cells = DEMO_COLDCHAIN.customers.flatMap((c) => c.locations.flatMap((l) => l.cells))
    const midnight = Date.parse('2026-12-06T00:00:00Z')
    const broken: string[] = []
    for (let minute = 0; minute < 24 * 60; minute++) {
      const now = midnight + minute * 60_000
      for (const cell of cells) {
        for (const a of resolvedAlertsFor(cell, now, { technicianId: 'tech' })) {
          const sane =
            a.triggerCount >= 1 &&
            a.firstTriggeredAt <= a.lastTriggeredAt &&
            a.lastTriggeredAt < a.resolvedAt &&
            a.resolvedAt.getTime() <= now &&
            (a.type !== 'HIGH_TEMP' || (Number.isFinite(a.value) && a.value! > cell.maxTemp))
          if (!sane) broken.push(`${cell.serial} at minute ${minute}: ${JSON.stringify(a)}`)
        }
      }
    }
    expect(broken.slice(0, 3)).toEqual([])
  })
})
