/**
 * `npm run bench`: builds the bundle, starts Postgres (migrated, seeded with the demo users) + the
 * WebSocket proxy + Miniflare + the Node baseline, drives every scenario in bench/scenarios.ts with
 * autocannon, prints the table and prepends a dated section to docs/benchmarks.md. Exit code 1 when
 * anything failed.
 */
import { freePort } from '../scripts/local-stack'
import { interrupted, runBench, startHelper, startStack } from './lifecycle'
import { loadOptionsFromEnv, measure, preflight } from './load'
import { failed, machine, ratios, recordInDocs, secondsSince, section, table, writeRaw, type Row } from './report'
import { checkScenarios, scenarios, type ScenarioContext } from './scenarios'

const DB = 'outpost_bench'

/** `BENCH_ONLY=users,jobs`: the ceiling plus the scenarios whose names contain one of the words (not recorded). */
function chosen() {
  const words = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean)
  return words.length ? scenarios.filter((s) => s.ceiling || words.some((w) => s.name.includes(w))) : scenarios
}

async function main() {
  const opts = loadOptionsFromEnv()
  checkScenarios()
  const startedAt = new Date()
  // Seeded with the demo users (admin, moderator, user) the login scenarios sign in as.
  const { workers, databaseUrl } = await startStack({
    db: DB,
    starting: 'Postgres, proxy, Node baseline and Miniflare',
  })
  const node = await startHelper('Node baseline', 'bench/node-baseline.ts', {
    BENCH_NODE_PORT: String(await freePort()),
    DATABASE_URL: databaseUrl,
  })

  const ctx: ScenarioContext = {
    baseUrl: { worker: workers.url, node: `http://127.0.0.1:${node.port}` },
    databaseUrl,
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

  const seconds = secondsSince(startedAt)
  console.log(`\n${table(rows)}\n\n${ratios(rows)}\n`)
  if (process.env.BENCH_ONLY) return rows.some((r) => failed(r.m)) ? 1 : 0 // a partial run is not recorded
  recordInDocs(section(rows, opts, startedAt, seconds), seconds)
  writeRaw('', startedAt, { startedAt, opts, rows })
  return rows.some((r) => failed(r.m)) ? 1 : 0
}

runBench('bench', main)
