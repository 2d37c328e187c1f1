/**
 * Applies migrations/ to DATABASE_URL (a local Postgres or Neon). Used by `npm run db:migrate`,
 * `npm run dev`, the benchmarks and the test globalSetup.
 */
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations')

export async function migrateDatabase(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  try {
    await migrate(drizzle(pool), { migrationsFolder: MIGRATIONS_DIR })
  } finally {
    await pool.end()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.DATABASE_URL
  if (!url) {
    console.error('DATABASE_URL is not set. Example: DATABASE_URL=postgres://user:pass@host/db npm run db:migrate')
    process.exit(1)
  }
  migrateDatabase(url)
    .then(() => console.log(`migrations applied to ${new URL(url).host}${new URL(url).pathname}`))
    .catch((err) => {
      console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    })
}
