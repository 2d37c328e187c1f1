/**
 * Runs once, in Node, before the suite: an embedded Postgres with the schema migrated into a
 * template database, the Neon proxy (WebSocket and SQL over HTTP) in front of it, and (when redis-server exists)
 * Redis behind a local Upstash-REST server, and a local HTTP target for cron jobs
 * (scripts/echo-server.ts). Test files clone the template (test/setup.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { ensureDatabase, freePort, startPostgres, startWsProxy } from '../scripts/local-stack'
import { startEchoServer } from '../scripts/echo-server'
import { migrateDatabase } from '../scripts/migrate'
import { startUpstashStack } from './support/upstash-stack'

export const TEMPLATE_DB = 'outpost_template'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    databaseWsProxy: string
    upstashUrl: string
    upstashToken: string
    echoUrl: string
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-test-pg-'))
  const pg = await startPostgres({ dir, port: await freePort(), persistent: false, quiet: true })
  await ensureDatabase(pg.url('postgres'), TEMPLATE_DB)
  await migrateDatabase(pg.url(TEMPLATE_DB))
  const proxy = await startWsProxy(await freePort())
  const upstash = await startUpstashStack()
  const echo = await startEchoServer()

  project.provide('databaseUrl', pg.url(TEMPLATE_DB))
  project.provide('databaseWsProxy', `127.0.0.1:${proxy.port}`)
  project.provide('upstashUrl', upstash?.url ?? '')
  project.provide('upstashToken', upstash?.token ?? '')
  project.provide('echoUrl', echo.url)

  return async () => {
    await upstash?.stop()
    await echo.close()
    await proxy.close()
    await pg.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
