/**
 * `npm run bench:search` (tsx bench/search.ts): search and autocomplete over BENCH_SEARCH_TASKS
 * (100,000) tasks. The tasks are inserted with one `generate_series` statement into 20 projects,
 * half of which the demo user is a member of (so every query also applies the membership rule to
 * rows it must not return); titles and descriptions are drawn from a small cold-chain vocabulary, so
 * common words match tens of thousands of rows and rare ones a few. Each scenario runs as the demo
 * user with autocannon like `npm run bench`, next to the harness's hello ceiling in the same run, and
 * the section lands in docs/benchmarks.md.
 */
import { runBench, startStack } from './lifecycle'
import { loadOptionsFromEnv, measure, preflight } from './load'
import { failed, record, secondsSince, section, type Row } from './report'
import { accessToken, HELLO_PATH, type Scenario } from './scenarios'
import { fixtures, TASKS } from './search-fixtures'

const DB = 'outpost_bench_search'
async function main() {
  const startedAt = new Date()
  const opts = loadOptionsFromEnv()
  const { workers, databaseUrl } = await startStack({
    db: DB,
    starting: `Postgres, proxy and Miniflare; inserting ${TASKS.toLocaleString('en-US')} tasks`,
  })
  await fixtures(databaseUrl)

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
  const seconds = secondsSince(startedAt)
  const markdown = section(rows, opts, startedAt, seconds).replace(
    /^## (.*) UTC$/m,
    `## $1 UTC: search over ${TASKS.toLocaleString('en-US')} tasks (\`npm run bench:search\`)`,
  )
  record({ to: 'docs', name: 'search', startedAt, seconds, markdown })
  return rows.some((r) => failed(r.m)) ? 1 : 0
}

runBench('bench:search', main)
