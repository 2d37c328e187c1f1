/**
 * `npm run bench`: builds the bundle, starts Postgres (migrated, seeded with the demo users) + the
 * WebSocket proxy + Miniflare + the Node baseline, drives every scenario in bench/scenarios.ts with
 * autocannon, prints the table and prepends a dated section to docs/benchmarks.md. Exit code 1 when
 * anything failed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freePort } from '../scripts/local-stack'
import { startChild } from './child'
import { interrupted, onShutdown, seedForBench, shutdown, startMigratedPostgres, takeOverSignals } from './lifecycle'
import { loadOptionsFromEnv, measure, preflight } from './load'
import { failed, machine, ratios, section, table, writeDocs, type Row } from './report'
import { checkScenarios, scenarios, type ScenarioContext } from './scenarios'
import { build, readWranglerConfig, startWorkers } from './workers'

const DB = 'outpost_bench'

/** `BENCH_ONLY=users,jobs`: the ceiling plus the scenarios whose names contain one of the words (not recorded). */
function chosen() {
  const words = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean)
  return words.length ? scenarios.filter((s) => s.ceiling || words.some((w) => s.name.includes(w))) : scenarios
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
  const pg = await startMigratedPostgres(DB)
  await seedForBench(pg.url(DB)) // the demo users (admin, moderator, user) the login scenarios sign in as
  const proxy = await startChild('bench/ws-proxy.ts', { BENCH_PROXY_PORT: String(await freePort()) })
  onShutdown('WebSocket proxy', proxy.stop)
  const node = await startChild('bench/node-baseline.ts', {
    BENCH_NODE_PORT: String(await freePort()),
    DATABASE_URL: pg.url(DB),
  })
  onShutdown('Node baseline', node.stop)
  const workers = await startWorkers(wrangler, {
    port: await freePort(),
    databaseUrl: pg.url(DB),
    wsProxy: `127.0.0.1:${proxy.port}`,
  })
  onShutdown('Miniflare', workers.dispose)
  takeOverSignals()

  const ctx: ScenarioContext = {
    baseUrl: { worker: workers.url, node: `http://127.0.0.1:${node.port}` },
    databaseUrl: pg.url(DB),
  }
  console.log(
    `${machine()}\nautocannon -c ${opts.connections} -d ${opts.duration} (warm-up ${opts.warmup} s); some scenarios set their own -c\n`,
  )
  const rows: Row[] = []
  for (const scenario of chosen()) {
    if (interrupted()) return interrupted()
    const request = scenario.request ?? (await scenario.setup!(ctx)) // checkScenarios: one of the two
    const connections = scenario.connections ?? opts.connections
    process.stdout.write(`${scenario.name} (c=${connections}) ... `)
    const problem = await preflight(ctx.baseUrl[scenario.server], request)
    if (problem) process.stdout.write(`\n  warning: the pre-flight request failed, expect FAILED: ${problem}\n  `)
    const m = await measure(ctx.baseUrl[scenario.server], request, { ...opts, connections })
    if (interrupted()) return interrupted()
    console.log(`${Math.round(m.rps)} req/s${failed(m) ? `  FAILED: ${m.non2xx} non-2xx, ${m.errors} errors` : ''}`)
    rows.push({ scenario, m })
  }

  const seconds = (Date.now() - startedAt.getTime()) / 1000
  console.log(`\n${table(rows)}\n\n${ratios(rows)}\n`)
  if (process.env.BENCH_ONLY) return rows.some((r) => failed(r.m)) ? 1 : 0 // a partial run is not recorded
  const intro = readFileSync('bench/docs-intro.md', 'utf8')
  console.log(`wrote ${writeDocs(section(rows, opts, startedAt, seconds), intro)} (run took ${Math.round(seconds)} s)`)
  mkdirSync('bench/results', { recursive: true })
  writeFileSync(
    `bench/results/${startedAt.toISOString().replace(/[:.]/g, '-')}.json`,
    JSON.stringify({ startedAt, opts, rows }, null, 2),
  )
  return rows.some((r) => failed(r.m)) ? 1 : 0
}

main()
  .catch((err: unknown) => {
    console.error(`\nbench failed: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  })
  .then(async (code) => {
    await shutdown()
    process.exit(interrupted() || code)
  })
