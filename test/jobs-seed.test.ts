/// <reference types="vite/client" />
import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { withPool } from '../src/db/client'
import { data, seedUser, validationDetails, type ApiResponse, type Envelope, type Method } from './helpers'

// The local echo target is allowed only in development, so these calls run the Worker as development.
const dev = { ...env, ENVIRONMENT: 'development' } as Env

async function devCall<T>(
  method: Method,
  path: string,
  token: string,
  json?: unknown,
  vars: Env = dev,
): Promise<ApiResponse<T>> {
  const res = await app.request(
    `/api/v1${path}`,
    {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    },
    vars,
  )
  return { status: res.status, headers: res.headers, body: await res.json<Envelope<T>>() }
}

/** Seed 004's "Create a Cron Job" example, verbatim but for its target, which is the local echo server. */
const seedExample = () => ({
  name: 'Health Check',
  cronExpression: '*/5 * * * *',
  timezone: 'UTC',
  targetType: 'HTTP',
  targetUrl: `${env.TEST_ECHO_URL}/health`,
  httpMethod: 'GET',
  timeout: 10000,
  maxRetries: 3,
})

type Job = { id: string; timeout: number; maxRetries: number }

/** Upgrades are paid through Stripe; an admin sets the plan here (the admin route). */
async function userOnPlan(plan: 'FREE' | 'PREMIUM' | 'PRO') {
  const user = await seedUser()
  if (plan === 'FREE') return user
  const admin = await seedUser({ roles: ['admin'] })
  expect((await devCall('PUT', `/admin/users/${user.user.id}/plan`, admin.token, { plan })).status).toBe(200)
  return user
}

describe("seed 004's job requests", () => {
  it('creates, reads and updates the example job verbatim on every plan, its timeout in ms', async () => {
    for (const plan of ['FREE', 'PREMIUM', 'PRO'] as const) {
      const { token } = await userOnPlan(plan)
      const created = await devCall<Job>('POST', '/jobs', token, seedExample())
      expect(created.status, plan).toBe(201)
      const job = data(created)
      expect(job).toMatchObject({ ...seedExample(), status: 'ACTIVE' })
      expect(data(await devCall<Job>('GET', `/jobs/${job.id}`, token)).timeout).toBe(10000)
      const updated = await devCall<Job>('PUT', `/jobs/${job.id}`, token, seedExample())
      expect(data(updated)).toMatchObject({ timeout: 10000, maxRetries: 3 })
    }
  })

  it("answers 422 over the plan's timeout cap, naming the cap in ms, and accepts the cap itself", async () => {
    for (const [plan, cap] of [
      ['FREE', 10_000],
      ['PREMIUM', 30_000],
      ['PRO', 60_000],
    ] as const) {
      const { token } = await userOnPlan(plan)
      const over = await devCall('POST', '/jobs', token, { ...seedExample(), timeout: cap + 1 })
      expect(validationDetails(over), plan).toEqual({ 'json.timeout': `your plan allows at most ${cap} ms` })
      const atCap = await devCall<Job>('POST', '/jobs', token, { ...seedExample(), timeout: cap })
      expect(data(atCap).timeout).toBe(cap)
      const raised = await devCall('PUT', `/jobs/${data(atCap).id}`, token, { timeout: cap + 1 })
      expect(validationDetails(raised)).toEqual({ 'json.timeout': `your plan allows at most ${cap} ms` })
    }
  })

  it('reads the cap from PLAN_* in seconds and enforces it in ms', async () => {
    const custom = { ...dev, PLAN_PREMIUM: '50/60/45/5/30' } as Env
    const { token } = await userOnPlan('PREMIUM')
    const over = await devCall('POST', '/jobs', token, { ...seedExample(), timeout: 45_001 }, custom)
    expect(validationDetails(over)).toEqual({ 'json.timeout': 'your plan allows at most 45000 ms' })
    expect((await devCall('POST', '/jobs', token, { ...seedExample(), timeout: 45_000 }, custom)).status).toBe(201)
  })

  it('documents the timeout in ms in /openapi.json, for requests and responses', async () => {
    type Props = { properties: Record<string, { description?: string; maximum?: number }> }
    const doc = await (await app.request('/openapi.json', {}, dev)).json<{
      components: { schemas: Record<string, Props> }
    }>()
    for (const name of ['CreateJob', 'UpdateJob', 'Job']) {
      expect(doc.components.schemas[name]!.properties.timeout!.description, name).toMatch(/^Milliseconds/)
    }
    expect(doc.components.schemas.CreateJob!.properties.timeout!.maximum).toBe(300_000)
  })

  it('refuses a timeout still sent in seconds rather than running a job that times out at once', async () => {
    const { token } = await userOnPlan('PRO')
    const res = await devCall('POST', '/jobs', token, { ...seedExample(), timeout: 30 })
    expect(Object.keys(validationDetails(res))).toEqual(['json.timeout'])
  })
})

// The migration that moved timeout_seconds to timeout_ms, found by content (files are renumbered at merge).
const migrations = import.meta.glob<string>('../migrations/*.sql', { query: '?raw', import: 'default', eager: true })
const timeoutMigration = Object.values(migrations).find((s) =>
  /rename column "timeout_seconds" to "timeout_ms"/i.test(s),
)

class Rollback extends Error {}

describe('the timeout_ms migration', () => {
  it('converts the timeouts of existing jobs from seconds to ms', async () => {
    expect(timeoutMigration).toBeDefined()
    const { user } = await seedUser()
    // DDL inside a transaction that is rolled back: an interactive transaction, so a pool.
    const seen = await withPool(env, (db) =>
      db
        .transaction(async (tx) => {
          // The table as it was before the migration, with a job saved in seconds; all of it rolled back.
          await tx.execute(sql`alter table jobs rename column timeout_ms to timeout_seconds`)
          await tx.execute(sql`alter table jobs alter column timeout_seconds set default 10`)
          await tx.execute(sql`insert into jobs (user_id, name, cron_expression, target_url, timeout_seconds)
            values (${user.id}::uuid, 'old', '*/5 * * * *', 'https://example.com/old', 30)`)
          for (const statement of timeoutMigration!.split('--> statement-breakpoint')) {
            await tx.execute(sql.raw(statement))
          }
          const rows = await tx.execute<{ timeout_ms: number }>(
            sql`select timeout_ms from jobs where user_id = ${user.id}::uuid`,
          )
          const column = await tx.execute<{ column_default: string }>(sql`select column_default
            from information_schema.columns where table_name = 'jobs' and column_name = 'timeout_ms'`)
          throw new Rollback(JSON.stringify({ rows: rows.rows, default: column.rows[0]?.column_default }))
        })
        .catch((e: unknown) => {
          if (e instanceof Rollback) return JSON.parse(e.message) as unknown
          throw e
        }),
    )
    expect(seen).toEqual({ rows: [{ timeout_ms: 30_000 }], default: '10000' })
  })
})
