/**
 * Runs inside workerd before each test file: clones the migrated template database into a
 * database of this file's own, and points the Worker's DATABASE_URL at it, so files are
 * isolated from each other and can run in parallel.
 */
import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { createDb } from '../src/db/client'

const template = new URL(env.DATABASE_URL)
if (template.pathname === '/outpost_template') {
  const name = `t_${crypto.randomUUID().replace(/-/g, '')}`
  const admin = new URL(template)
  admin.pathname = '/postgres'
  const { db, close } = createDb({ url: admin.toString(), wsProxy: env.DATABASE_WS_PROXY })
  try {
    await db.execute(sql.raw(`create database "${name}" template outpost_template`))
  } finally {
    await close()
  }
  const url = new URL(template)
  url.pathname = `/${name}`
  ;(env as { DATABASE_URL: string }).DATABASE_URL = url.toString()
}
