/**
 * Idempotent demo data for local development (`npm run db:seed`, run by `npm run dev` too).
 * Re-running never duplicates or overwrites: rows that exist are left as they are. Default roles
 * and permissions come from the migrations (0002_default_roles.sql), so production has them too.
 */
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import * as schema from '../src/db/schema'
import { randomBytes } from 'node:crypto'
import { nextRunAt } from '../src/features/jobs/schedule'
import { hashPassword } from '../src/lib/password'
import { DEMO_USERS } from './demo-users'
import { seedColdChain } from './seed-coldchain'
import { seedProjects } from './seed-projects'

export { DEMO_USERS }

/** Demo cron jobs of user@outpost.dev, calling the local echo target that `npm run dev` starts. */
const demoJobs = (echo: string) => [
  {
    name: 'Heartbeat',
    cronExpression: '* * * * *',
    timezone: 'UTC',
    httpMethod: 'GET' as const,
    targetUrl: `${echo}/ok?job=heartbeat`,
    body: null,
    maxRetries: 0,
  },
  {
    name: 'Flaky webhook',
    cronExpression: '*/5 * * * *',
    timezone: 'UTC',
    httpMethod: 'POST' as const,
    targetUrl: `${echo}/status/503?job=flaky`,
    body: '{"event":"ping"}',
    maxRetries: 2,
  },
  {
    name: 'Nightly export',
    cronExpression: '0 2 * * *',
    timezone: 'Europe/Paris',
    httpMethod: 'POST' as const,
    targetUrl: `${echo}/ok?job=nightly`,
    body: '{"export":"all"}',
    maxRetries: 3,
  },
]

export const DEFAULT_ECHO_URL = 'http://127.0.0.1:8799'

export async function seed(url: string, opts: { echoUrl?: string; keysFile?: string } = {}) {
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  // An idle client whose socket closes as the pool ends (workerd's sockets report it) is not a failed seed.
  pool.on('error', () => undefined)
  const db = drizzle(pool, { schema })
  try {
    const created: string[] = []
    for (const u of DEMO_USERS) {
      const rows = await db
        .insert(schema.users)
        .values({
          email: u.email,
          name: u.name,
          passwordHash: await hashPassword(u.password),
          emailVerifiedAt: new Date(),
        })
        .onConflictDoNothing()
        .returning({ id: schema.users.id })
      if (rows.length) created.push(u.email)
      const [user] = await db
        .select({ id: schema.users.id })
        .from(schema.users)
        .where(sql`lower(${schema.users.email}) = ${u.email}`)
      const [role] = await db.select({ id: schema.roles.id }).from(schema.roles).where(eq(schema.roles.name, u.role))
      // Ensures the demo role even on a database seeded before roles existed.
      await db.insert(schema.userRoles).values({ userId: user!.id, roleId: role!.id }).onConflictDoNothing()
    }
    const [demo] = await db
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(sql`lower(${schema.users.email}) = 'user@outpost.dev'`)
    await db
      .insert(schema.jobAccounts)
      .values({ userId: demo!.id, plan: 'PRO', signingSecret: `whsec_${randomBytes(32).toString('base64url')}` })
      .onConflictDoNothing()
    const existing = await db
      .select({ name: schema.jobs.name })
      .from(schema.jobs)
      .where(eq(schema.jobs.userId, demo!.id))
    for (const job of demoJobs(opts.echoUrl ?? DEFAULT_ECHO_URL)) {
      if (existing.some((e) => e.name === job.name)) continue
      await db
        .insert(schema.jobs)
        .values({ ...job, userId: demo!.id, nextRunAt: nextRunAt(job.cronExpression, job.timezone, new Date()) })
      created.push(`job "${job.name}"`)
    }
    const coldChain = await seedColdChain(db, { keysFile: opts.keysFile })
    const collab = await seedProjects(db)
    // Typo correction's dictionary (features/search) knows the demo data at once, not at the next refresh.
    await pool.query('refresh materialized view search_words')
    return {
      created: [...created, ...coldChain.created, ...collab.created],
      users: DEMO_USERS,
      devices: coldChain.devices,
    }
  } finally {
    await pool.end()
  }
}

/** What `npm run db:seed` prints: what it created, and the demo sign-ins and device keys. */
export function seedSummary({ created, users, devices }: Awaited<ReturnType<typeof seed>>) {
  return [
    created.length ? `seeded: ${created.join(', ')}` : 'seed data already present',
    ...users.map((u) => `  ${u.role.padEnd(10)} ${u.email}  password: ${u.password}`),
    ...devices.map((d) => `  device     ${d.serialNumber}  x-device-key: ${d.key}`),
  ]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.DATABASE_URL
  if (!url) {
    console.error('DATABASE_URL is not set (npm run dev seeds its local database by itself).')
    process.exit(1)
  }
  seed(url)
    .then((result) => {
      for (const line of seedSummary(result)) console.log(line)
    })
    .catch((err) => {
      console.error(`seed failed: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    })
}
