import { and, eq, inArray, or, sql } from 'drizzle-orm'
import type { HttpDatabase } from '../../db/client'
import { executions, jobAccounts, jobs } from '../../db/schema'
import type { Config } from '../../env'
import { checkTarget } from '../../lib/ssrf'
import { emit } from '../../events'
import { MAX_TIMEOUT_MS } from './jobs.schemas'
import { allowedHosts } from './jobs.service'
import { log } from '../../lib/logger'
import { count, observe } from '../../lib/metrics/recorder'
import { type EventData, publish } from '../realtime/hub.service'

export const RESPONSE_READ_LIMIT = 64 * 1024
export const RESPONSE_STORE_LIMIT = 4 * 1024

export type CallResult = {
  ok: boolean
  retryable: boolean
  httpStatus: number | null
  durationMs: number
  error: string | null
  errorMessage: string | null
  responseBody: string | null
  retryAfterSeconds?: number
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')

/** `Outpost-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, like Stripe's scheme. */
export async function signature(secret: string, timestamp: number, body: string) {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${timestamp}.${body}`))
  return `t=${timestamp},v1=${hex(mac)}`
}

/** Reads at most `limit` bytes of a body; says whether there was more. */
async function readCapped(res: Response, limit: number) {
  const reader = res.body?.getReader()
  if (!reader) return { text: '', truncated: false }
  const chunks: Uint8Array[] = []
  let size = 0
  let truncated = false
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size))
      truncated = true
      await reader.cancel()
      break
    }
    chunks.push(value)
    size += value.byteLength
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let offset = 0
  for (const c of chunks) {
    all.set(c, offset)
    offset += c.byteLength
  }
  return { text: new TextDecoder().decode(all), truncated }
}

type JobCall = {
  id: string
  httpMethod: string
  targetUrl: string
  headers: Record<string, string>
  body: string | null
  /** Milliseconds. */
  timeout: number
}

/** One outbound call with every guard: SSRF re-check, timeout, no redirects, capped response. */
export async function callTarget(
  config: Config,
  job: JobCall,
  executionId: string,
  secret: string,
): Promise<CallResult> {
  const started = Date.now()
  const result = (r: Omit<CallResult, 'durationMs'>): CallResult => ({ ...r, durationMs: Date.now() - started })
  const target = checkTarget(job.targetUrl, { allowHosts: allowedHosts(config) })
  if (!target.ok) {
    return result({
      ok: false,
      retryable: false,
      httpStatus: null,
      error: 'BLOCKED_TARGET',
      errorMessage: target.reason,
      responseBody: null,
    })
  }
  const body = job.httpMethod === 'GET' || job.httpMethod === 'HEAD' ? '' : (job.body ?? '')
  try {
    const headers = new Headers(job.headers)
    headers.set('user-agent', 'Outpost-Cron/1.0')
    headers.set('idempotency-key', executionId)
    headers.set('outpost-signature', await signature(secret, Math.floor(Date.now() / 1000), body))
    if (body && !headers.has('content-type')) headers.set('content-type', 'application/json')
    const res = await fetch(target.url, {
      method: job.httpMethod,
      headers,
      body: body || undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(job.timeout),
    })
    const { text, truncated } = await readCapped(res, RESPONSE_READ_LIMIT)
    const responseBody = text.slice(0, RESPONSE_STORE_LIMIT)
    const s = res.status
    const retryAfter = Number(res.headers.get('retry-after'))
    const base = {
      httpStatus: s,
      responseBody,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: Math.min(3600, retryAfter) } : {}),
    }
    if (s >= 200 && s < 300) {
      return result({
        ok: true,
        retryable: false,
        error: truncated ? 'RESPONSE_TOO_LARGE' : null,
        errorMessage: truncated ? `response cut at ${RESPONSE_READ_LIMIT} bytes` : null,
        ...base,
      })
    }
    if (s >= 300 && s < 400)
      return result({
        ok: false,
        retryable: false,
        error: 'REDIRECT',
        errorMessage: `redirect to ${res.headers.get('location') ?? '?'} not followed`,
        ...base,
      })
    if (s >= 500)
      return result({ ok: false, retryable: true, error: 'HTTP_5XX', errorMessage: `target answered ${s}`, ...base })
    return result({
      ok: false,
      retryable: s === 408 || s === 429,
      error: 'HTTP_4XX',
      errorMessage: `target answered ${s}`,
      ...base,
    })
  } catch (err) {
    const e = err as Error
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError'
    const message = e.message || String(err)
    const code = timedOut ? 'TIMEOUT' : /dns|resolve|name not known|ENOTFOUND/i.test(message) ? 'DNS' : 'CONNECT'
    return result({
      ok: false,
      retryable: true,
      httpStatus: null,
      error: code,
      errorMessage: timedOut ? `no answer within ${job.timeout} ms` : message.slice(0, 300),
      responseBody: null,
    })
  }
}

export type Outcome = { action: 'ack' } | { action: 'retry'; delaySeconds: number }

/** A RUNNING row older than this is a crashed attempt: the longest timeout plus a minute. */
const STALE_RUNNING_SECONDS = MAX_TIMEOUT_MS / 1000 + 60

/** Exponential backoff: 30 s, 60 s, 120 s… capped at 1 h, or the target's Retry-After. */
export const backoffSeconds = (attempt: number, retryAfter?: number) =>
  retryAfter ?? Math.min(3600, 30 * 2 ** Math.max(0, attempt - 1))

/**
 * Runs one execution at most once to completion. The claim (PENDING/RETRYING → RUNNING, attempt+1)
 * is a guarded UPDATE, so a duplicate delivery of a finished or running execution does nothing.
 * A RUNNING row older than its timeout plus a minute is a crashed attempt and may be re-claimed.
 */
export async function executeOnce(db: HttpDatabase, config: Config, executionId: string): Promise<Outcome> {
  const [claimed] = await db
    .update(executions)
    .set({ status: 'RUNNING', attempt: sql`${executions.attempt} + 1`, startedAt: sql`now()` })
    .where(
      and(
        eq(executions.id, executionId),
        or(
          inArray(executions.status, ['PENDING', 'RETRYING']),
          and(
            eq(executions.status, 'RUNNING'),
            sql`${executions.startedAt} < now() - make_interval(secs => ${STALE_RUNNING_SECONDS})`,
          ),
        ),
      ),
    )
    .returning({ attempt: executions.attempt, jobId: executions.jobId })
  if (!claimed) {
    // Finished: a duplicate delivery, nothing to do. Running elsewhere: look again once that attempt
    // must have ended, so a crashed attempt is still completed.
    const [row] = await db.select({ status: executions.status }).from(executions).where(eq(executions.id, executionId))
    return row?.status === 'RUNNING' ? { action: 'retry', delaySeconds: STALE_RUNNING_SECONDS + 30 } : { action: 'ack' }
  }
  const [row] = await db
    .select({ job: jobs, secret: jobAccounts.signingSecret })
    .from(jobs)
    .innerJoin(jobAccounts, eq(jobAccounts.userId, jobs.userId))
    .where(eq(jobs.id, claimed.jobId))
  if (!row) return { action: 'ack' }
  const { job } = row
  const r = await callTarget(config, job, executionId, row.secret)
  const retrying = !r.ok && r.retryable && claimed.attempt <= job.maxRetries
  const status = r.ok ? 'SUCCESS' : retrying ? 'RETRYING' : 'FAILED'
  count('outpost_cron_executions_total', { status })
  observe('outpost_cron_execution_duration_seconds', { status }, r.durationMs / 1000)
  const record = {
    httpStatus: r.httpStatus,
    durationMs: r.durationMs,
    error: r.error,
    errorMessage: r.errorMessage,
    responseBody: r.responseBody,
  }
  if (retrying) {
    await db
      .update(executions)
      .set({ ...record, status: 'RETRYING' })
      .where(eq(executions.id, executionId))
    return { action: 'retry', delaySeconds: backoffSeconds(claimed.attempt, r.retryAfterSeconds) }
  }
  // The execution's outcome and the job's counters commit together, in one round trip.
  const [, [updated]] = await db.batch([
    db
      .update(executions)
      .set({ ...record, status: r.ok ? 'SUCCESS' : 'FAILED', finishedAt: sql`now()` })
      .where(eq(executions.id, executionId)),
    recordFinal(db, config, job.id, r.ok),
  ])
  await publishExecution(config, job.userId, {
    jobId: job.id,
    executionId,
    status,
    httpStatus: r.httpStatus,
    durationMs: r.durationMs,
    error: r.error,
  })
  // After commit: listeners (the owner's email) only ever see a recorded failure.
  if (!r.ok && updated)
    await emit('job.failed', failedEvent(config, job.id, executionId, r.error, updated), { db, config })
  return { action: 'ack' }
}

/**
 * Tells the owner's open dashboards that an execution finished (`job.execution` on `user:<id>`), after its row is
 * committed. A hub that cannot be reached costs the live view one event, never the execution.
 */
async function publishExecution(config: Config, userId: string, execution: EventData) {
  await publish(config.bindings.CHANNEL_HUB, `user:${userId}`, 'job.execution', execution).catch((err: unknown) =>
    log('warn', 'job.execution not published', { userId, error: String(err) }),
  )
}

/** The job's update after a final outcome (N failures in a row pause it), returning what job.failed reports. */
function recordFinal(db: HttpDatabase, config: Config, jobId: string, ok: boolean) {
  return db
    .update(jobs)
    .set(
      ok
        ? { lastRunAt: sql`now()`, lastStatus: 'SUCCESS', consecutiveFailures: 0 }
        : {
            lastRunAt: sql`now()`,
            lastStatus: 'FAILED',
            consecutiveFailures: sql`${jobs.consecutiveFailures} + 1`,
            status: sql`case when ${jobs.consecutiveFailures} + 1 >= ${config.AUTO_PAUSE_AFTER} then 'PAUSED' else ${jobs.status} end`,
            pausedReason: sql`case when ${jobs.consecutiveFailures} + 1 >= ${config.AUTO_PAUSE_AFTER} then 'FAILURES' else ${jobs.pausedReason} end`,
            nextRunAt: sql`case when ${jobs.consecutiveFailures} + 1 >= ${config.AUTO_PAUSE_AFTER} then null else ${jobs.nextRunAt} end`,
          },
    )
    .where(eq(jobs.id, jobId))
    .returning({
      name: jobs.name,
      userId: jobs.userId,
      failures: jobs.consecutiveFailures,
      status: jobs.status,
      pausedReason: jobs.pausedReason,
    })
}

type FinalJob = { name: string; userId: string; failures: number; status: string; pausedReason: string | null }

/** The job.failed payload of a recorded failure. */
function failedEvent(config: Config, jobId: string, executionId: string, error: string | null, job: FinalJob) {
  const paused = job.status === 'PAUSED' && job.pausedReason === 'FAILURES' && job.failures >= config.AUTO_PAUSE_AFTER
  return { jobId, userId: job.userId, jobName: job.name, executionId, error, consecutiveFailures: job.failures, paused }
}
