/**
 * `npm run bench:soak` (tsx bench/soak.ts): the whole product under a mixed load for a fixed time (issue 17, part 4).
 * Users sign in and read, devices post single readings and batches, WebSockets stay subscribed to a channel an admin
 * publishes on, and the Worker's `scheduled` handler fires cron ticks against the local echo target. Afterwards it
 * checks: zero 5xx; readings accepted = rows stored; every published event reached every subscriber; due jobs =
 * executions = target hits; the Worker's JS heap (after a GC, through the inspector), Postgres memory and Postgres
 * connections back near their starting level.
 * Prints the figures; exit code 1 when a check fails. It writes no file (docs/benchmarks.md is not touched).
 *
 * Options: SOAK_SECONDS (120), SOAK_USERS (4 sign-in loops), SOAK_SOCKETS (20), SOAK_JOBS (10 per tick),
 * SOAK_TICK_SECONDS (10 between ticks).
 */
import { readFileSync, readdirSync } from 'node:fs'
import type pg from 'pg'
import type { Hit } from '../scripts/echo-server'
import { freePort } from '../scripts/local-stack'
import { inspect, type Inspector } from './inspector'
import { connectClient, interrupted, onShutdown, runBench, startHelper, startStack } from './lifecycle'
import { intFromEnv as int } from './load'
import { machine } from './report'

const DB = 'outpost_bench_soak'
const opts = {
  seconds: int('SOAK_SECONDS', 120),
  users: int('SOAK_USERS', 4),
  sockets: int('SOAK_SOCKETS', 20),
  jobs: int('SOAK_JOBS', 10),
  tickSeconds: int('SOAK_TICK_SECONDS', 10),
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type ScheduledWorker = { scheduled(o: { scheduledTime?: Date; cron?: string }): Promise<{ outcome: string }> }

/** Responses by status class, and the 5xx seen (method, path, status). */
const statuses = new Map<string, number>()
const serverErrors: string[] = []
const clientErrors: string[] = []
async function call(
  base: string,
  method: string,
  path: string,
  init: { token?: string; json?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers }
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (init.json !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  })
  const text = await res.text()
  const cls = `${Math.floor(res.status / 100)}xx`
  statuses.set(cls, (statuses.get(cls) ?? 0) + 1)
  if (res.status >= 400 && res.status < 500 && clientErrors.length < 5)
    clientErrors.push(`${method} ${path.split('?')[0]} → ${res.status} ${text.slice(0, 160)}`)
  if (res.status >= 500) serverErrors.push(`${method} ${path.split('?')[0]} → ${res.status} ${text.slice(0, 120)}`)
  return { status: res.status, body: text ? (JSON.parse(text) as { data?: unknown }) : {} }
}

/** The processes this run started (descendants of this one), by command name. */
function descendants() {
  const parent = new Map<number, number>()
  const name = new Map<number, string>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!pid) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      name.set(pid, stat.slice(stat.indexOf('(') + 1, close))
      parent.set(pid, Number(stat.slice(close + 2).split(' ')[1]))
    } catch {
      // gone meanwhile
    }
  }
  const mine = new Set([process.pid])
  let grew = true
  while (grew) {
    grew = false
    for (const [pid, ppid] of parent)
      if (!mine.has(pid) && mine.has(ppid)) {
        mine.add(pid)
        grew = true
      }
  }
  return [...mine].filter((p) => p !== process.pid).map((pid) => ({ pid, name: name.get(pid) ?? '' }))
}
const rssMb = (pid: number) => {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return Number(kb ?? 0) / 1024
  } catch {
    return 0
  }
}
async function resources(db: pg.Client, isolate: Inspector) {
  const procs = descendants()
  const sum = (match: (n: string) => boolean) =>
    Math.round(procs.filter((p) => match(p.name)).reduce((mb, p) => mb + rssMb(p.pid), 0))
  const { rows } = await db.query<{ n: number }>(
    'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
    [DB],
  )
  return {
    heapMb: await isolate.heapUsedMb(),
    workerMb: sum((n) => n.startsWith('workerd')),
    postgresMb: sum((n) => n.startsWith('postgres')),
    connections: rows[0]!.n,
  }
}

async function main() {
  const inspectorPort = await freePort()
  const { workers, databaseUrl, seeded } = await startStack({
    db: DB,
    inspectorPort,
    starting: 'Postgres, proxy, echo server and Miniflare',
    vars: { ENVIRONMENT: 'development' }, // the cron jobs call the loopback echo server
  })
  const db = await connectClient(databaseUrl)
  const isolate = await inspect(inspectorPort, 'outpost')
  onShutdown('inspector', async () => isolate.close())
  const echo = await startHelper('echo server', 'bench/echo-child.ts', { BENCH_ECHO_PORT: '0' })
  const echoOrigin = `http://127.0.0.1:${echo.port}`
  const base = workers.url
  const worker = (await workers.mf.getWorker('outpost')) as unknown as ScheduledWorker

  // The soak's own cron jobs (the demo ones are paused: their target is not running).
  const tag = `soak${Date.now()}`
  await db.query(`update jobs set status = 'PAUSED', next_run_at = null`)
  const { rows: owner } = await db.query<{ id: string }>(`select id from users where email = 'user@outpost.dev'`)
  await db.query(
    `insert into jobs (user_id, name, cron_expression, timezone, http_method, target_url, timeout_ms, max_retries, status)
     select $1, 'soak ' || i, '* * * * *', 'UTC', 'GET', $2 || '/ok?' || $3 || '=' || i, 10000, 0, 'PAUSED'
     from generate_series(1, $4::int) i`,
    [owner[0]!.id, echoOrigin, tag, opts.jobs],
  )
  const login = (role: string) => {
    const u = seeded.users.find((x) => x.role === role)!
    return call(base, 'POST', '/api/v1/auth/login', { json: { email: u.email, password: u.password } })
  }
  const adminToken = ((await login('admin')).body.data as { accessToken: string }).accessToken
  const readingsBefore = Number((await db.query('select count(*)::int as n from readings')).rows[0].n)

  // Sockets on one public channel, counting the soak events each receives.
  const channel = `public:soak-${Date.now()}`
  const received: Set<number>[] = []
  const sockets: WebSocket[] = []
  const closes: string[] = [] // a socket the server closed mid-run: why and when
  const openedAt = Date.now()
  let ended = false
  const wsBase = base.replace(/^http/, 'ws')
  await Promise.all(
    Array.from({ length: opts.sockets }, async (_, i) => {
      const got = new Set<number>()
      received[i] = got
      const ws = new WebSocket(
        `${wsBase}/api/v1/realtime/channels/${encodeURIComponent(channel)}/ws?access_token=${adminToken}`,
      )
      ws.onmessage = (e) => {
        const f = JSON.parse(String(e.data)) as { event: string; data?: { event?: string; payload?: { seq?: number } } }
        if (f.event === 'message' && f.data?.event === 'soak' && typeof f.data.payload?.seq === 'number')
          got.add(f.data.payload.seq)
      }
      // As the typed client does (src/client/channel-socket.ts): the hub closes a socket silent for 60 s.
      const ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"event":"ping"}'), 25_000)
      ws.onclose = (e) => {
        clearInterval(ping)
        if (!ended) closes.push(`socket ${i}: ${e.code} ${e.reason} at ${Math.round((Date.now() - openedAt) / 1000)} s`)
      }
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve()
        ws.onerror = () => reject(new Error('socket failed to open'))
      })
      sockets.push(ws)
    }),
  )
  await sleep(500)
  const start = await resources(db, isolate)
  console.log(`${machine()}\nsoak for ${opts.seconds} s: ${JSON.stringify(opts)}\nstart: ${JSON.stringify(start)}`)

  const deadline = Date.now() + opts.seconds * 1000
  const live = () => Date.now() < deadline && !interrupted()
  let readingsSent = 0
  let published = 0
  let signIns = 0
  let ticks = 0
  const tickResults: string[] = []

  const userLoop = async () => {
    while (live()) {
      const res = await login('user')
      signIns++
      const token = (res.body.data as { accessToken?: string } | undefined)?.accessToken
      if (!token) continue
      for (const path of ['/api/v1/auth/me', '/api/v1/notifications', '/api/v1/jobs', '/api/v1/logs?limit=5'])
        await call(base, 'GET', path, { token })
    }
  }
  let clock = Date.now() - 20 * 86_400_000
  const deviceLoop = async (d: { serialNumber: string; key: string }, i: number) => {
    let n = 0
    while (live()) {
      const size = n++ % 3 === 0 ? 25 : 1
      const readings = Array.from({ length: size }, () => ({
        temperature: 2 + ((i + n) % 3),
        powerStatus: true,
        recordedAt: new Date((clock += 1000)).toISOString(),
      }))
      const res = await call(base, 'POST', `/api/v1/readings/devices/${d.serialNumber}/readings`, {
        headers: { 'x-device-key': d.key },
        json: size === 1 ? readings[0] : { readings },
      })
      if (res.status === 202) readingsSent += size
    }
  }
  const publishLoop = async () => {
    for (let seq = 0; live(); seq++) {
      const res = await call(base, 'POST', `/api/v1/sse/admin/send/channel/${encodeURIComponent(channel)}`, {
        token: adminToken,
        json: { event: 'soak', data: { seq } },
      })
      if (res.status < 300) published++
      await sleep(200)
    }
  }
  const minute0 = Math.floor(Date.now() / 60_000) * 60_000
  const cronLoop = async () => {
    while (live()) {
      const scheduledTime = new Date(minute0 + ticks * 60_000)
      await db.query(`update jobs set status = 'ACTIVE', next_run_at = $1 where name like 'soak %'`, [scheduledTime])
      tickResults.push((await worker.scheduled({ scheduledTime, cron: '* * * * *' })).outcome)
      ticks++
      await sleep(opts.tickSeconds * 1000)
    }
  }
  await Promise.all([
    ...Array.from({ length: opts.users }, userLoop),
    ...seeded.devices.map(deviceLoop),
    publishLoop(),
    cronLoop(),
  ])

  // Let the queue and the sockets drain.
  const due = ticks * opts.jobs
  const soakExecutions = async () =>
    Number(
      (
        await db.query(
          `select count(*)::int as n from executions e join jobs j on j.id = e.job_id where j.name like 'soak %' and e.status = 'SUCCESS'`,
        )
      ).rows[0].n,
    )
  for (let i = 0; i < 60 && (await soakExecutions()) < due; i++) await sleep(1000)
  await sleep(2000)
  const executions = await soakExecutions()
  const hits = ((await (await fetch(`${echoOrigin}/__hits?path=/ok?${tag}`)).json()) as Hit[]).length
  const stored = Number((await db.query('select count(*)::int as n from readings')).rows[0].n) - readingsBefore
  const missing = received.map((got) => published - [...got].filter((s) => s < published).length)
  ended = true
  for (const ws of sockets) ws.close()
  // Pools close after 30 s idle (Durable Objects) and Workers release their connections: wait for that.
  let end = await resources(db, isolate)
  for (let i = 0; i < 60 && end.connections > start.connections; i++) {
    await sleep(1000)
    end = await resources(db, isolate)
  }

  const checks: [string, boolean][] = [
    [`zero 5xx (${serverErrors.length})`, serverErrors.length === 0],
    // Every request of the workload is valid: a 4xx is a broken workload or a regression.
    [`zero 4xx (${statuses.get('4xx') ?? 0})`, !statuses.get('4xx')],
    [`readings sent ${readingsSent} = stored ${stored}`, readingsSent === stored],
    [
      `every published event (${published}) reached all ${sockets.length} subscribers (missing: ${missing.reduce((a, b) => a + b, 0)})`,
      missing.every((m) => m === 0),
    ],
    [`due jobs ${due} = executions ${executions} = target hits ${hits}`, due === executions && executions === hits],
    [`ticks all ok (${tickResults.join(',')})`, tickResults.every((o) => o === 'ok')],
    [
      `Postgres connections back to ${start.connections} (now ${end.connections})`,
      end.connections <= start.connections,
    ],
    // The isolate's heap after a full GC is what a leak would grow; its caches (signed-in callers, rate-limit
    // leases, metrics) are bounded, hence the few MB of slack. RSS only shows the peak: V8 keeps the pages it grew.
    [`Worker JS heap after GC ${start.heapMb} → ${end.heapMb} MB (within +8 MB)`, end.heapMb <= start.heapMb + 8],
    [
      `Postgres memory ${start.postgresMb} → ${end.postgresMb} MB (within +50% +64 MB); workerd RSS ${start.workerMb} → ${end.workerMb} MB (peak, not checked)`,
      end.postgresMb <= start.postgresMb * 1.5 + 64,
    ],
  ]
  console.log(
    `\nrequests: ${JSON.stringify(Object.fromEntries(statuses))}; sign-ins ${signIns}; readings ${readingsSent}; ` +
      `events ${published} × ${sockets.length} sockets; ticks ${ticks} × ${opts.jobs} jobs`,
  )
  for (const e of serverErrors.slice(0, 10)) console.log(`  5xx: ${e}`)
  for (const e of closes.slice(0, 10)) console.log(`  closed: ${e}`)
  for (const [i, got] of received.entries()) {
    const last = Math.max(-1, ...got)
    if (last < published - 1) console.log(`  socket ${i}: ${got.size} events, the last seq ${last} of ${published - 1}`)
  }
  for (const e of clientErrors) console.log(`  4xx: ${e}`)
  for (const [what, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`)
  return checks.every(([, ok]) => ok) ? 0 : 1
}

runBench('bench:soak', main)
