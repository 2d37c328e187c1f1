/**
 * `npm run bench:cron` (tsx bench/cron.ts): how long one minute tick takes to run J due user cron
 * jobs end to end, and whether every one ran exactly once.
 *
 * Builds the bundle, starts Postgres (migrated) + the WebSocket proxy + the echo server (a child
 * process: the jobs' target) + Miniflare with wrangler.toml's bindings, including the `jobs` queue
 * consumer. Inserts J ACTIVE `* * * * *` jobs over U users directly with `pg`, all due at the same
 * minute, fires the Worker's `scheduled` handler once for that minute and polls `executions` until
 * every run is final. Then fires the same tick twice more (as is, and with next_run_at rewound) and
 * checks that nothing runs again. Prints the results, prepends a dated section to
 * docs/benchmarks.md. Exit code 1 when a count differs, a run failed, or the last run finished
 * later than 60 s after the tick.
 *
 * ENVIRONMENT=development: the SSRF guard refuses loopback targets except in development, where
 * CRON_ALLOWED_PRIVATE_HOSTS (127.0.0.1, localhost) is allowed; the echo server is on 127.0.0.1.
 *
 * Options: BENCH_CRON_JOBS (1000), BENCH_CRON_USERS (50), BENCH_CRON_BATCH_SIZE (the `jobs`
 * consumer's max_batch_size; wrangler.toml's value when unset).
 */
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import type { Hit } from '../scripts/echo-server'
import { buildWorker, connectClient, interrupted, runBench, startHelper, startStack } from './lifecycle'
import { intFromEnv } from './load'
import { machine, recordInDocs, secondsSince, writeRaw } from './report'
import type { QueueConsumer } from './workers'

const DB = 'outpost_bench_cron'
const CRON = '* * * * *'
const TARGET_SECONDS = 60 // the goal: 1,000 due jobs all executed within 60 s of the tick
const POLL_LIMIT_SECONDS = 120
const REPLAY_WAIT_MS = 3000 // > the consumer's max_batch_timeout (1 s) plus a batch

type Options = { jobs: number; users: number; batchSize?: number }

function optionsFromEnv(): Options {
  return {
    jobs: intFromEnv('BENCH_CRON_JOBS', 1000),
    users: intFromEnv('BENCH_CRON_USERS', 50),
    batchSize: intFromEnv('BENCH_CRON_BATCH_SIZE', undefined, 1, 100), // at most 100: the Queues limit
  }
}

/** miniflare's getWorker() is typed against @cloudflare/workers-types, which the Node tsconfig does not load. */
type ScheduledWorker = {
  scheduled(opts: { scheduledTime?: Date; cron?: string }): Promise<{ outcome: string; noRetry: boolean }>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const int = (n: number) => Math.round(n).toLocaleString('en-US')
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const msf = (n: number | null) => (n === null ? 'n/a' : n < 10 ? n.toFixed(1) : String(Math.round(n)))

/** U users with a PRO job account each, and J jobs spread round-robin over them, all due at `due`. */
async function insertJobs(db: pg.Client, opts: Options, targetOrigin: string, due: Date) {
  const users = await db.query<{ id: string }>(
    `insert into users (email, name, password_hash, email_verified_at)
     select 'cron-bench-' || i || '@bench.local', 'Cron bench ' || i, 'not-a-hash (bench user, never signs in)', now()
     from generate_series(1, $1::int) i
     returning id`,
    [opts.users],
  )
  const ids = users.rows.map((r) => r.id)
  await db.query(
    `insert into job_accounts (user_id, plan, signing_secret) select id, 'PRO', secret from unnest($1::uuid[], $2::text[]) as a(id, secret)`,
    [ids, ids.map(() => randomBytes(32).toString('base64url'))],
  )
  await db.query(
    `insert into jobs (user_id, name, cron_expression, timezone, http_method, target_url, timeout_ms, max_retries, status, next_run_at)
     select ($1::uuid[])[1 + i % array_length($1::uuid[], 1)], 'bench job ' || i, $2, 'UTC', 'GET', $3 || '/ok?j=' || i, 10000, 0, 'ACTIVE', $4::timestamptz
     from generate_series(0, $5::int - 1) i`,
    [ids, CRON, targetOrigin, due.toISOString(), opts.jobs],
  )
}

type Progress = { total: number; finished: number }

async function progress(db: pg.Client): Promise<Progress> {
  const { rows } = await db.query<Progress>(
    `select count(*)::int as total, (count(*) filter (where status in ('SUCCESS', 'FAILED')))::int as finished from executions`,
  )
  return rows[0]!
}

type Stats = {
  total: number
  success: number
  failed: number
  lastFinishedMs: number | null
  firstFinishedMs: number | null
  firstStartedMs: number | null
  maxAttempt: number | null
  /** The most executions claimed and not yet final at any one moment: the consumer's real concurrency. */
  maxInFlight: number | null
  callP50: number | null
  callP99: number | null
  waitP50: number | null
  waitP99: number | null
}

/** Times are epoch ms from Postgres' clock, the same host clock as Date.now() here. */
async function stats(db: pg.Client): Promise<{ stats: Stats; errors: Record<string, number>; ids: Set<string> }> {
  const { rows } = await db.query<Stats>(`
    select count(*)::int as total,
      (count(*) filter (where status = 'SUCCESS'))::int as success,
      (count(*) filter (where status = 'FAILED'))::int as failed,
      extract(epoch from max(finished_at)) * 1000 as "lastFinishedMs",
      extract(epoch from min(finished_at)) * 1000 as "firstFinishedMs",
      extract(epoch from min(started_at)) * 1000 as "firstStartedMs",
      max(attempt) as "maxAttempt",
      (select max(n) from (
        -- +1 at each claim, -1 at each finish (a finish sorts before a claim at the same instant)
        select sum(d) over (order by t, d rows unbounded preceding) as n
        from (select started_at as t, 1 as d from executions union all select finished_at, -1 from executions) e
        where t is not null
      ) x) as "maxInFlight",
      percentile_cont(0.5) within group (order by duration_ms) as "callP50",
      percentile_cont(0.99) within group (order by duration_ms) as "callP99",
      percentile_cont(0.5) within group (order by extract(epoch from started_at - created_at) * 1000) as "waitP50",
      percentile_cont(0.99) within group (order by extract(epoch from started_at - created_at) * 1000) as "waitP99"
    from executions`)
  const raw = rows[0]!
  // pg returns numeric as strings.
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
  const s: Stats = {
    total: raw.total,
    success: raw.success,
    failed: raw.failed,
    lastFinishedMs: num(raw.lastFinishedMs),
    firstFinishedMs: num(raw.firstFinishedMs),
    firstStartedMs: num(raw.firstStartedMs),
    maxAttempt: num(raw.maxAttempt),
    maxInFlight: num(raw.maxInFlight),
    callP50: num(raw.callP50),
    callP99: num(raw.callP99),
    waitP50: num(raw.waitP50),
    waitP99: num(raw.waitP99),
  }
  const errs = await db.query<{ error: string | null; n: number }>(
    `select error, count(*)::int as n from executions where status <> 'SUCCESS' group by error`,
  )
  const errors = Object.fromEntries(errs.rows.map((r) => [r.error ?? 'none', r.n]))
  const idRows = await db.query<{ id: string }>('select id from executions')
  return { stats: s, errors, ids: new Set(idRows.rows.map((r) => r.id)) }
}

async function fetchHits(echoOrigin: string): Promise<Hit[]> {
  const res = await fetch(`${echoOrigin}/__hits?path=/ok`)
  if (!res.ok) throw new Error(`echo server: GET /__hits -> ${res.status}`)
  return (await res.json()) as Hit[]
}

type HitCounts = { hits: number; distinctKeys: number; keysOfExecutions: number; distinctJobs: number }

function countHits(hits: Hit[], executionIds: Set<string>): HitCounts {
  const keys = new Set(hits.map((h) => h.headers['idempotency-key'] ?? ''))
  keys.delete('')
  const jobsHit = new Set(hits.map((h) => new URL(h.path, 'http://echo').searchParams.get('j')))
  return {
    hits: hits.length,
    distinctKeys: keys.size,
    keysOfExecutions: [...keys].filter((k) => executionIds.has(k)).length,
    distinctJobs: jobsHit.size,
  }
}

type Replay = { name: string; outcome: string; newExecutions: number; newHits: number }

async function replay(
  name: string,
  worker: ScheduledWorker,
  scheduledTime: Date,
  db: pg.Client,
  echoOrigin: string,
  before: { executions: number; hits: number },
): Promise<Replay> {
  const { outcome } = await worker.scheduled({ scheduledTime, cron: CRON })
  await sleep(REPLAY_WAIT_MS) // anything it had queued would have been delivered by now
  const executions = (await progress(db)).total
  const hits = (await fetchHits(echoOrigin)).length
  return { name, outcome, newExecutions: executions - before.executions, newHits: hits - before.hits }
}

type Result = {
  opts: Options
  consumer: QueueConsumer
  tickOutcome: string
  dispatchMs: number
  allFinished: boolean
  elapsedMs: number | null
  firstFinishedMs: number | null
  stats: Stats
  errors: Record<string, number>
  hits: HitCounts
  replays: Replay[]
  problems: string[]
}

function check(r: Omit<Result, 'problems'>): string[] {
  const problems: string[] = []
  const { opts, stats: s, hits: h } = r
  if (r.tickOutcome !== 'ok') problems.push(`the scheduled handler's outcome was "${r.tickOutcome}"`)
  if (!r.allFinished) problems.push(`not every execution was final after ${POLL_LIMIT_SECONDS} s`)
  if (r.elapsedMs === null || r.elapsedMs > TARGET_SECONDS * 1000) {
    problems.push(
      `the last execution finished ${r.elapsedMs === null ? 'never' : secs(r.elapsedMs)} after the tick (target ≤ ${TARGET_SECONDS} s)`,
    )
  }
  const counts = [opts.jobs, s.total, h.hits, h.distinctKeys, h.keysOfExecutions, h.distinctJobs]
  if (counts.some((n) => n !== opts.jobs)) {
    problems.push(
      `counts differ: due ${opts.jobs}, executions ${s.total}, hits ${h.hits}, distinct Idempotency-Keys ${h.distinctKeys} ` +
        `(${h.keysOfExecutions} of them execution ids), distinct jobs hit ${h.distinctJobs}`,
    )
  }
  if (s.success !== s.total)
    problems.push(`${s.total - s.success} executions did not succeed: ${JSON.stringify(r.errors)}`)
  for (const p of r.replays) {
    if (p.outcome !== 'ok' || p.newExecutions !== 0 || p.newHits !== 0) {
      problems.push(`${p.name}: outcome ${p.outcome}, ${p.newExecutions} new executions, ${p.newHits} new hits`)
    }
  }
  return problems
}

function table(r: Result) {
  const s = r.stats
  const h = r.hits
  const firstFinished = r.firstFinishedMs === null ? 'n/a' : secs(r.firstFinishedMs)
  const rate = r.elapsedMs ? int((s.total / r.elapsedMs) * 1000) : 'n/a'
  const last = r.elapsedMs === null ? 'n/a' : `**${secs(r.elapsedMs)}**`
  const lines = [
    '| measure | value |',
    '|---|---:|',
    `| tick handler: claim ${int(r.opts.jobs)} due jobs, insert their executions, enqueue them | ${secs(r.dispatchMs)} |`,
    `| first execution finished, after the tick started | ${firstFinished} |`,
    `| last execution finished, after the tick started (target ≤ ${TARGET_SECONDS} s) | ${last}${r.allFinished ? '' : ' (not all final)'} |`,
    `| executions per second (all ÷ time to the last) | ${rate} |`,
    `| queue wait p50 / p99 ms (execution created → claimed by the consumer) | ${msf(s.waitP50)} / ${msf(s.waitP99)} |`,
    `| target call p50 / p99 ms (duration_ms) | ${msf(s.callP50)} / ${msf(s.callP99)} |`,
    `| most executions in flight at once (claimed, not yet final) | ${s.maxInFlight ?? 'n/a'} |`,
    `| due jobs / executions / target hits / distinct Idempotency-Keys | ${int(r.opts.jobs)} / ${int(s.total)} / ${int(h.hits)} / ${int(h.distinctKeys)} |`,
    `| succeeded / failed executions; highest attempt | ${int(s.success)} / ${int(s.failed)}; ${s.maxAttempt ?? 'n/a'} |`,
  ]
  for (const p of r.replays) lines.push(`| ${p.name}: new executions / new hits | ${p.newExecutions} / ${p.newHits} |`)
  return lines.join('\n')
}

function reading(r: Result) {
  const batch = r.consumer.maxBatchSize ?? 5
  const batches = Math.ceil(r.stats.total / batch)
  const verdict = r.problems.length
    ? `**FAILED**: ${r.problems.join('; ')}.`
    : `**Pass**: every due job ran exactly once and the repeated ticks ran nothing.`
  const s = r.stats
  const drainMs = s.lastFinishedMs !== null && s.firstStartedMs !== null ? s.lastFinishedMs - s.firstStartedMs : null
  const perBatch =
    drainMs && batches
      ? ` Miniflare's queue broker hands the consumer one batch at a time per queue (it has no \`max_concurrency\`): ` +
        `at most ${r.stats.maxInFlight ?? '?'} executions were in flight at once, for a batch size of ${batch}, so the ` +
        `${int(batches)} batches drained in series at ≈ ${int(drainMs / batches)} ms each ` +
        `(a fresh Postgres pool per batch, then claim, job read, call, result and job update per message). ` +
        `The queue wait, not the call, is where the time goes. Cloudflare runs consumer batches concurrently, so this is a local lower bound on throughput.`
      : ''
  return `${verdict}${perBatch}`
}

function section(r: Result, startedAt: Date, seconds: number) {
  const when = startedAt.toISOString().slice(0, 16).replace('T', ' ')
  const c = r.consumer
  const override =
    r.opts.batchSize === undefined
      ? ' (wrangler.toml)'
      : ' (**BENCH_CRON_BATCH_SIZE override**, wrangler.toml says otherwise)'
  return [
    `## ${when} UTC: cron dispatch (\`npm run bench:cron\`${r.opts.batchSize === undefined ? '' : `, BENCH_CRON_BATCH_SIZE=${r.opts.batchSize}`})`,
    '',
    `- Machine: ${machine()}`,
    `- Load: ${int(r.opts.jobs)} due jobs (\`${CRON}\`, UTC, GET \`<echo>/ok\`, timeout 10 s, no retries) over ${int(r.opts.users)} users, one tick; ` +
      `\`jobs\` consumer max_batch_size ${c.maxBatchSize}, max_batch_timeout ${c.maxBatchTimeout} s${override}; ENVIRONMENT=development; whole run ${Math.round(seconds)} s`,
    '',
    table(r),
    '',
    `- ${reading(r)}`,
    '',
  ].join('\n')
}

async function main() {
  const opts = optionsFromEnv()
  const startedAt = new Date()
  const wrangler = await buildWorker()
  const consumer: QueueConsumer = {
    ...wrangler.queueConsumers.jobs,
    ...(opts.batchSize === undefined ? {} : { maxBatchSize: opts.batchSize }),
  }
  if (!wrangler.queueConsumers.jobs) throw new Error('wrangler.toml declares no consumer for the `jobs` queue')

  const { workers, databaseUrl } = await startStack({
    db: DB,
    wrangler,
    starting: 'Postgres, proxy, echo server and Miniflare',
    seed: false,
    // The SSRF guard allows the loopback echo server (CRON_ALLOWED_PRIVATE_HOSTS) only in development.
    vars: { ENVIRONMENT: 'development' },
    queueConsumers: { jobs: consumer },
  })
  const db = await connectClient(databaseUrl)
  const echo = await startHelper('echo server', 'bench/echo-child.ts', { BENCH_ECHO_PORT: '0' })
  const echoOrigin = `http://127.0.0.1:${echo.port}`

  // The tick's minute: the current one, so next_run_at looks like what the API would have stored.
  const scheduledTime = new Date(Math.floor(Date.now() / 60_000) * 60_000)
  await insertJobs(db, opts, echoOrigin, scheduledTime)
  console.log(
    `${machine()}\n${int(opts.jobs)} jobs over ${int(opts.users)} users, all due at ${scheduledTime.toISOString()}; ` +
      `jobs consumer max_batch_size ${consumer.maxBatchSize}, max_batch_timeout ${consumer.maxBatchTimeout} s\n`,
  )

  const worker = (await workers.mf.getWorker('outpost')) as unknown as ScheduledWorker
  process.stdout.write('tick ... ')
  const tickStart = Date.now()
  const { outcome: tickOutcome } = await worker.scheduled({ scheduledTime, cron: CRON })
  const dispatchMs = Date.now() - tickStart
  console.log(`handler returned after ${secs(dispatchMs)} (outcome ${tickOutcome})`)

  // The handler has inserted every execution by now, so "all final" is finished === total.
  let allFinished = false
  let lastReport = 0
  while (!interrupted() && Date.now() - tickStart < POLL_LIMIT_SECONDS * 1000) {
    const p = await progress(db)
    if (p.finished === p.total) {
      allFinished = true
      break
    }
    if (Date.now() - lastReport >= 5000) {
      lastReport = Date.now()
      console.log(`  ${secs(Date.now() - tickStart)}: ${int(p.finished)} / ${int(p.total)} final`)
    }
    await sleep(250)
  }
  if (interrupted()) return interrupted()

  const { stats: s, errors, ids } = await stats(db)
  const hits = countHits(await fetchHits(echoOrigin), ids)
  const elapsedMs = allFinished && s.lastFinishedMs !== null ? s.lastFinishedMs - tickStart : null
  const firstFinishedMs = s.firstFinishedMs === null ? null : s.firstFinishedMs - tickStart
  console.log(
    `all final: ${allFinished}; last finished ${elapsedMs === null ? 'n/a' : secs(elapsedMs)} after the tick started`,
  )

  console.log('repeating the tick (same scheduledTime) ...')
  const replays: Replay[] = []
  let before = { executions: s.total, hits: hits.hits }
  replays.push(await replay('same tick again', worker, scheduledTime, db, echoOrigin, before))
  if (interrupted()) return interrupted()
  // The repeat above stops at the compare-and-set on next_run_at. Rewound, only the UNIQUE
  // (job_id, scheduled_for) on executions stands between a repeated tick and a second run.
  await db.query('update jobs set next_run_at = $1', [scheduledTime.toISOString()])
  before = { executions: before.executions + replays[0]!.newExecutions, hits: before.hits + replays[0]!.newHits }
  replays.push(
    await replay(
      'same tick, next_run_at rewound (only the UNIQUE key guards)',
      worker,
      scheduledTime,
      db,
      echoOrigin,
      before,
    ),
  )
  if (interrupted()) return interrupted()

  const partial = {
    opts,
    consumer,
    tickOutcome,
    dispatchMs,
    allFinished,
    elapsedMs,
    firstFinishedMs,
    stats: s,
    errors,
    hits,
    replays,
  }
  const result: Result = { ...partial, problems: check(partial) }
  const seconds = secondsSince(startedAt)
  console.log(`\n${table(result)}\n\n${reading(result)}\n`)
  recordInDocs(section(result, startedAt, seconds), seconds)
  writeRaw('cron', startedAt, { startedAt, ...result })
  if (result.problems.length) {
    console.log(`\nFAILED:\n${result.problems.map((p) => `- ${p}`).join('\n')}`)
    return 1
  }
  console.log('\nPASS')
  return 0
}

runBench('bench:cron', main)
