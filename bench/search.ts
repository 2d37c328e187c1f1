/**
 * `npm run bench:search` (tsx bench/search.ts): search and autocomplete over BENCH_SEARCH_TASKS
 * (100,000) tasks. The tasks are inserted with one `generate_series` statement into 20 projects,
 * half of which the demo user is a member of (so every query also applies the membership rule to
 * rows it must not return); titles and descriptions are drawn from a small cold-chain vocabulary, so
 * common words match tens of thousands of rows and rare ones a few. Each scenario runs as the demo
 * user with autocannon like `npm run bench`, next to the harness's hello ceiling in the same run, and
 * the section lands in docs/benchmarks.md.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freePort } from '../scripts/local-stack'
import { startChild } from './child'
import { onShutdown, seedForBench, shutdown, startMigratedPostgres, takeOverSignals } from './lifecycle'
import { loadOptionsFromEnv, measure, preflight } from './load'
import { section, writeDocs, type Row } from './report'
import { accessToken, HELLO_PATH, type Scenario } from './scenarios'
import { fixtures, TASKS } from './search-fixtures'
import { build, readWranglerConfig, startWorkers } from './workers'

const DB = 'outpost_bench_search'
async function main() {
  process.chdir(fileURLToPath(new URL('..', import.meta.url)))
  const startedAt = new Date()
  const opts = loadOptionsFromEnv()
  console.log('building dist/index.js (wrangler deploy --dry-run) ...')
  build()
  const wrangler = await readWranglerConfig()
  takeOverSignals()
  console.log(`starting Postgres, proxy and Miniflare; inserting ${TASKS.toLocaleString('en-US')} tasks ...`)
  const pgServer = await startMigratedPostgres(DB)
  await seedForBench(pgServer.url(DB))
  await fixtures(pgServer.url(DB))
  const proxy = await startChild('bench/ws-proxy.ts', { BENCH_PROXY_PORT: String(await freePort()) })
  onShutdown('WebSocket proxy', proxy.stop)
  const workers = await startWorkers(wrangler, {
    port: await freePort(),
    databaseUrl: pgServer.url(DB),
    wsProxy: `127.0.0.1:${proxy.port}`,
  })
  onShutdown('Miniflare', workers.dispose)
  takeOverSignals()

  const headers = { authorization: `Bearer ${await accessToken(workers.url, 'user')}` }
  const get = (name: string, path: string): Scenario => ({ name, server: 'worker', request: { path, headers } })
  const scenarios: Scenario[] = [
    { name: 'hello (ceiling)', server: 'worker', request: { path: HELLO_PATH }, ceiling: true },
    get(
      'search tasks, a rare word pair (`inspection vaccine`)',
      '/api/v1/search?type=tasks&query=inspection%20vaccine',
    ),
    get('search tasks, one common word (`temperature`)', '/api/v1/search?type=tasks&query=temperature'),
    get('search tasks, a typo (`temprature`), trigrams', '/api/v1/search?type=tasks&query=temprature'),
    get('search every type (`freezer alarm`)', '/api/v1/search?query=freezer%20alarm'),
    get('autocomplete (`calib`)', '/api/v1/search/autocomplete?query=calib'),
    get('autocomplete, two words (`door al`)', '/api/v1/search/autocomplete?query=door%20al'),
  ]
  const rows: Row[] = []
  for (const scenario of scenarios) {
    const problem = await preflight(workers.url, scenario.request!)
    if (problem) console.log(`  preflight: ${problem}`)
    process.stdout.write(`${scenario.name} ... `)
    const m = await measure(workers.url, scenario.request!, opts)
    console.log(`${Math.round(m.rps)} req/s, p50 ${m.p50} / p99 ${m.p99} ms`)
    rows.push({ scenario, m })
  }
  const seconds = (Date.now() - startedAt.getTime()) / 1000
  const text = section(rows, opts, startedAt, seconds).replace(
    /^## (.*) UTC$/m,
    `## $1 UTC: search over ${TASKS.toLocaleString('en-US')} tasks (\`npm run bench:search\`)`,
  )
  console.log(`\n${text}`)
  console.log(
    `wrote ${writeDocs(text, readFileSync('bench/docs-intro.md', 'utf8'))} (run took ${Math.round(seconds)} s)`,
  )
  return rows.some((r) => r.m.non2xx > 0 || r.m.errors > 0) ? 1 : 0
}

main()
  .catch((err: unknown) => {
    console.error(`\nbench:search failed: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  })
  .then(async (code) => {
    await shutdown()
    process.exit(code)
  })
