/**
 * Idempotent demo data for local development (`npm run db:seed`, run by `npm run dev` too).
 * Re-running never duplicates or overwrites: rows that exist are left as they are. Default roles
 * and permissions come from the migrations (0002_default_roles.sql), so production has them too.
 */
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import * as schema from '../src/db/schema'
import { hashPassword } from '../src/lib/password'

/** Documented in README.md; only ever seeded into local databases. */
export const DEMO_USERS = [
  { email: 'admin@outpost.dev', password: 'outpost-admin-demo', name: 'Demo Admin', role: 'admin' },
  { email: 'moderator@outpost.dev', password: 'outpost-moderator-demo', name: 'Demo Moderator', role: 'moderator' },
  { email: 'user@outpost.dev', password: 'outpost-user-demo', name: 'Demo User', role: 'user' },
]

export async function seed(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  const db = drizzle(pool, { schema })
  try {
    const created: string[] = []
    for (const u of DEMO_USERS) {
      const rows = await db
        .insert(schema.users)
        .values({ email: u.email, name: u.name, passwordHash: await hashPassword(u.password), emailVerifiedAt: new Date() })
        .onConflictDoNothing()
        .returning({ id: schema.users.id })
      if (rows.length) created.push(u.email)
      const [user] = await db.select({ id: schema.users.id }).from(schema.users).where(sql`lower(${schema.users.email}) = ${u.email}`)
      const [role] = await db.select({ id: schema.roles.id }).from(schema.roles).where(eq(schema.roles.name, u.role))
      // Ensures the demo role even on a database seeded before roles existed.
      await db.insert(schema.userRoles).values({ userId: user!.id, roleId: role!.id }).onConflictDoNothing()
    }
    return { created, users: DEMO_USERS }
  } finally {
    await pool.end()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.DATABASE_URL
  if (!url) {
    console.error('DATABASE_URL is not set (npm run dev seeds its local database by itself).')
    process.exit(1)
  }
  seed(url)
    .then(({ created, users }) => {
      console.log(created.length ? `seeded: ${created.join(', ')}` : 'seed data already present')
      for (const u of users) console.log(`  ${u.role.padEnd(10)} ${u.email}  password: ${u.password}`)
    })
    .catch((err) => {
      console.error(`seed failed: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    })
}
