/**
 * `npm run bench:uploads` (tsx bench/uploads.ts): files going in to R2 through the Worker.
 *   1. One large file (BENCH_UP_BIG_MB, default 50 MB) through an upload session: open, PUT its
 *      5 MiB parts one after another as a client would, complete. Repeated BENCH_UP_BIG_RUNS (3)
 *      times; MB/s over the whole sequence, and the stored size and SHA-256 are checked.
 *   2. BENCH_UP_SMALL (1,000) small files (BENCH_UP_SMALL_KB, 10 KB) through `POST /uploads`
 *      (multipart/form-data), BENCH_UP_CONCURRENCY (10) at a time: files/s, MB/s, p50/p99; then the
 *      same bytes `put` straight into the same R2 bucket by the bench-only worker
 *      (`PUT /__bench/r2put`, same Miniflare), the ceiling a Worker could reach, for the ratio.
 * workerd's resident memory is sampled every 20 ms during each phase (peak minus the idle figure
 * before it): what the uploads cost the process that runs the Worker, since workerd reports no
 * per-isolate figure locally. Rows in Postgres are counted against the answers. Prints the results
 * and prepends a dated section to docs/benchmarks.md. Exit code 1 on any failed upload or mismatch.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import pg from 'pg'
import { interrupted, runBench, startStack } from './lifecycle'
import { intFromEnv as int } from './load'
import { machine, record, secondsSince } from './report'
import { accessToken, R2PUT_PATH } from './scenarios'

const DB = 'outpost_bench_uploads'
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const MB = 1024 * 1024

const opts = {
  bigMb: int('BENCH_UP_BIG_MB', 50),
  bigRuns: int('BENCH_UP_BIG_RUNS', 3),
  small: int('BENCH_UP_SMALL', 1000),
  smallKb: int('BENCH_UP_SMALL_KB', 10),
  concurrency: int('BENCH_UP_CONCURRENCY', 10),
}

/** A PNG signature followed by random bytes: passes the magic-byte check, compresses to nothing. */
const fakePng = (bytes: number) => Buffer.concat([PNG, randomBytes(bytes - PNG.length)])

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** Resident memory of the workerd processes this bench started (Miniflare's children), in bytes. */
function workerdRss() {
  let total = 0
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      if (!stat.includes('(workerd)') || Number(stat.split(') ')[1]!.split(' ')[1]) !== process.pid) continue
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${d}/status`, 'utf8'))
      total += Number(rss?.[1] ?? 0) * 1024
    } catch {
      // the process went away
    }
  }
  return total
}

/** Runs `fn` while sampling workerd's RSS; the idle figure just before and the peak during. */
async function withMemory<T>(fn: () => Promise<T>) {
  const idle = workerdRss()
  let peak = idle
  const timer = setInterval(() => {
    peak = Math.max(peak, workerdRss())
  }, 20)
  try {
    return { value: await fn(), idle, peak: Math.max(peak, workerdRss()) }
  } finally {
    clearInterval(timer)
  }
}

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text()
  if (!res.ok) throw new Error(`${what} -> ${res.status} ${text.slice(0, 300)}`)
  return (JSON.parse(text) as { data: T }).data
}

/** One large file through a session, parts in order; returns its id after checking size and hash. */
async function bigUpload(api: string, auth: Record<string, string>, file: Buffer) {
  const session = await json<{ id: string; partSize: number }>(
    await fetch(`${api}/uploads/sessions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'big.png', contentType: 'image/png' }),
    }),
    'open session',
  )
  for (let n = 1, at = 0; at < file.length; n++, at += session.partSize) {
    const part = file.subarray(at, at + session.partSize)
    await json(
      await fetch(`${api}/uploads/sessions/${session.id}/parts/${n}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(part.length) },
        body: part,
      }),
      `part ${n}`,
    )
  }
  const done = await json<{ id: string; size: number; sha256: string }>(
    await fetch(`${api}/uploads/sessions/${session.id}/complete`, { method: 'POST', headers: auth }),
    'complete',
  )
  const sha256 = createHash('sha256').update(file).digest('hex')
  if (done.size !== file.length || done.sha256 !== sha256)
    throw new Error(`stored ${done.size} bytes / ${done.sha256}, sent ${file.length} / ${sha256}`)
  return done.id
}

/** `total` requests, `concurrency` in flight; each request's latency in ms and the wall time. */
async function closedLoop(total: number, concurrency: number, send: (i: number) => Promise<void>) {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && !interrupted()) {
        const i = next++
        const t = performance.now()
        await send(i)
        latencies.push(performance.now() - t)
      }
    }),
  )
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) }
}

async function main() {
  const startedAt = new Date()
  const loadAtStart = os.loadavg()[0]!
  const { workers, databaseUrl } = await startStack({ db: DB, vars: { RATE_LIMIT_UPLOADS: '1000000000/900' } })
  console.log(`${machine()}\n`)

  const api = `${workers.url}/api/v1`
  const auth = { authorization: `Bearer ${await accessToken(workers.url, 'user')}` }

  // 1. Large files through sessions.
  const big = fakePng(opts.bigMb * MB)
  const bigRuns: { seconds: number; idle: number; peak: number }[] = []
  for (let r = 0; r < opts.bigRuns && !interrupted(); r++) {
    process.stdout.write(`${opts.bigMb} MB through an upload session, run ${r + 1} ... `)
    const t = performance.now()
    const m = await withMemory(() => bigUpload(api, auth, big))
    const seconds = (performance.now() - t) / 1000
    bigRuns.push({ seconds, idle: m.idle, peak: m.peak })
    console.log(`${fmt(opts.bigMb / seconds, 1)} MB/s, workerd RSS +${fmt((m.peak - m.idle) / MB, 1)} MB`)
  }

  // 2. Many small files, through the app and straight into R2.
  const small = Array.from({ length: Math.min(opts.small, 50) }, () => fakePng(opts.smallKb * 1024))
  const fileOf = (i: number) => small[i % small.length]!
  process.stdout.write(`${opts.small} files of ${opts.smallKb} KB, POST /uploads, -c ${opts.concurrency} ... `)
  const failures: string[] = []
  const app = await withMemory(() =>
    closedLoop(opts.small, opts.concurrency, async (i) => {
      const form = new FormData()
      form.append('file', new Blob([fileOf(i)], { type: 'image/png' }), `f${i}.png`)
      const res = await fetch(`${api}/uploads`, { method: 'POST', headers: auth, body: form })
      const text = await res.text()
      if (res.status !== 201) failures.push(`${res.status} ${text.slice(0, 200)}`)
    }),
  )
  const appRate = opts.small / app.value.seconds
  console.log(`${fmt(appRate)} files/s`)
  process.stdout.write(`the same, PUT straight into R2 (${R2PUT_PATH}) ... `)
  const bare = await withMemory(() =>
    closedLoop(opts.small, opts.concurrency, async (i) => {
      const res = await fetch(`${workers.url}${R2PUT_PATH}/bench-${i}`, { method: 'PUT', body: fileOf(i) })
      await res.arrayBuffer()
      if (res.status !== 201) failures.push(`r2put ${res.status}`)
    }),
  )
  const bareRate = opts.small / bare.value.seconds
  console.log(`${fmt(bareRate)} files/s`)

  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  const stored = Number((await db.query('select count(*)::int as n from uploads')).rows[0].n)
  await db.end()
  const expected = bigRuns.length + opts.small
  if (stored !== expected) failures.push(`uploads rows ${stored}, expected ${expected}`)

  const seconds = secondsSince(startedAt)
  const bigRates = bigRuns.map((r) => opts.bigMb / r.seconds)
  const smallMb = (opts.smallKb * opts.small) / 1024
  const row = (name: string, r: typeof app, rate: number) =>
    `| ${name} | ${fmt(rate)} | ${fmt((rate * opts.smallKb) / 1024, 2)} | ${fmt(pct(r.value.latencies, 50), 1)} | ${fmt(pct(r.value.latencies, 99), 1)} | +${fmt((r.peak - r.idle) / MB, 1)} |`
  const markdown = [
    `## ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: uploads (\`npm run bench:uploads\`)`,
    '',
    `- Machine: ${machine()}`,
    `- Load: one client in the bench process; Miniflare's local R2 on disk; 1-minute load average ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end; whole run ${Math.round(seconds)} s`,
    '',
    `**${opts.bigMb} MB through an upload session** (5 MiB parts sent one after another, then complete; size and SHA-256 checked):`,
    '',
    '| run | seconds | MB/s | workerd RSS idle → peak MB |',
    '|---|---:|---:|---:|',
    ...bigRuns.map(
      (r, i) =>
        `| ${i + 1} | ${fmt(r.seconds, 2)} | ${fmt(bigRates[i]!, 1)} | ${fmt(r.idle / MB)} → ${fmt(r.peak / MB)} |`,
    ),
    '',
    `**${fmt(opts.small)} files of ${opts.smallKb} KB** (${fmt(smallMb, 1)} MB), ${opts.concurrency} in flight:`,
    '',
    '| route | files/s | MB/s | p50 ms | p99 ms | workerd RSS peak − idle MB |',
    '|---|---:|---:|---:|---:|---:|',
    row('`POST /api/v1/uploads` (multipart, magic bytes, SHA-256, row in Postgres)', app, appRate),
    row(`\`PUT ${R2PUT_PATH}\` (bench-only worker: the body straight into R2)`, bare, bareRate),
    '',
    `- Small files through the app at **${fmt((100 * appRate) / bareRate)}%** of a bare R2 put (${fmt(appRate)} vs ${fmt(bareRate)} files/s).`,
    `- ${failures.length ? `**FAILED**: ${failures.slice(0, 5).join('; ')}` : `every upload answered 201; rows in Postgres = uploads answered (${stored})`}.`,
    '',
  ].join('\n')
  record({ to: 'docs', name: 'uploads', startedAt, seconds, markdown })
  return failures.length ? 1 : 0
}

runBench('bench:uploads', main)
