import { env } from 'cloudflare:workers'
import { eq, sql } from 'drizzle-orm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { deadLetters, emails, executions, jobs, queueFailures } from '../src/db/schema'
import { loadConfig } from '../src/env'
import type { EmailMessage } from '../src/features/email/email.templates'
import { dispatchDueJobs } from '../src/features/jobs/dispatch.service'
import { deliverBatch } from './queue-delivery'
import { call, data, expectError, seedUser, withDb } from './helpers'

// wrangler.toml: email max_retries 5, jobs max_retries 25; a message is dead-lettered after that many + 1.
const EMAIL_DELIVERIES = 6
const JOBS_DELIVERIES = 26

const PROVIDER = 'https://mail.example/send'
const httpEnv = { ...env, EMAIL_PROVIDER: 'http', EMAIL_API_URL: PROVIDER, EMAIL_API_KEY: 'key-123' } as Env
// Local targets are allowed only in development (the echo target of the jobs tests).
const dev = { ...env, ENVIRONMENT: 'development' } as Env
const ECHO = env.TEST_ECHO_URL

type DeadLetterOut = {
  id: string
  queue: string
  messageId: string
  body: Record<string, unknown>
  attempts: number | null
  lastError: string | null
  replayedAt: string | null
}

/** The email provider, mocked at the fetch boundary: answers `status`, counts the sends per email id. */
function mockProvider(status: () => number) {
  const sends: string[] = []
  const realFetch = globalThis.fetch
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input, init)
    if (!req.url.startsWith(PROVIDER)) return realFetch(input, init)
    sends.push(req.headers.get('idempotency-key') ?? '')
    return new Response('{}', { status: status() })
  })
  return sends
}

/** A producer binding that keeps what is sent, so the test delivers it itself (with its own env). */
function captureQueue() {
  const sent: unknown[] = []
  const queue = { send: async (b: unknown) => void sent.push(b), sendBatch: async () => {} }
  return { sent, queue: queue as unknown as Queue }
}

const deliver = (queue: string, body: unknown, opts: { id: string; attempts?: number; vars?: Env }) =>
  deliverBatch(queue, [{ id: opts.id, body, attempts: opts.attempts }], opts.vars)

/** Delivers a message the way the queue does until it gives up: every attempt must ask for a retry. */
async function failEveryAttempt(queue: string, body: unknown, id: string, deliveries: number, vars: Env) {
  for (let attempts = 1; attempts <= deliveries; attempts++) {
    const result = await deliver(queue, body, { id, attempts, vars })
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([id])
  }
}

const rowsOf = (messageId: string) =>
  withDb((db) => db.select().from(deadLetters).where(eq(deadLetters.messageId, messageId)))

const replay = (token: string, id: string, vars: Env = env) =>
  app.request(
    `/api/v1/admin/dead-letters/${id}/replay`,
    { method: 'POST', headers: { authorization: `Bearer ${token}` } },
    vars,
  )

const emailMessage = (): EmailMessage => ({
  id: crypto.randomUUID(),
  to: `dl-${crypto.randomUUID().slice(0, 8)}@example.com`,
  template: 'verify-email',
  data: { name: 'Ada', code: '123456' },
})

/** An email whose every delivery failed, recorded from email-dlq; returns its dead letter. */
async function deadEmail() {
  const m = emailMessage()
  const msgId = crypto.randomUUID()
  const sends = mockProvider(() => 500)
  await failEveryAttempt('email', m, msgId, EMAIL_DELIVERIES, httpEnv)
  expect(sends).toHaveLength(EMAIL_DELIVERIES)
  vi.restoreAllMocks()
  expect((await deliver('email-dlq', m, { id: msgId })).explicitAcks).toEqual([msgId])
  const [row] = await rowsOf(msgId)
  return { m, msgId, row: row! }
}

afterEach(() => vi.restoreAllMocks())

describe('the email-dlq consumer', () => {
  it('records an email that failed every attempt once, with its attempts and last error, even delivered twice', async () => {
    const { m, msgId } = await deadEmail()
    expect((await deliver('email-dlq', m, { id: msgId })).explicitAcks).toEqual([msgId])
    const rows = await rowsOf(msgId)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      queue: 'email',
      body: m,
      attempts: EMAIL_DELIVERIES,
      lastError: 'email provider answered 500',
      replayedAt: null,
    })
    // The failure note moved into the dead letter.
    const notes = await withDb((db) => db.select().from(queueFailures).where(eq(queueFailures.messageKey, m.id)))
    expect(notes).toEqual([])
  })

  it('leaves no failure note behind when a retried email gets through', async () => {
    const m = emailMessage()
    let status = 500
    mockProvider(() => status)
    await deliver('email', m, { id: 'e1', vars: httpEnv })
    const noteOf = () => withDb((db) => db.select().from(queueFailures).where(eq(queueFailures.messageKey, m.id)))
    expect(await noteOf()).toMatchObject([{ queue: 'email', attempts: 1, error: 'email provider answered 500' }])
    status = 200
    expect((await deliver('email', m, { id: 'e1', attempts: 2, vars: httpEnv })).explicitAcks).toEqual(['e1'])
    expect(await noteOf()).toEqual([])
  })

  it('records a message with no failure note, its attempts and last error unknown', async () => {
    const msgId = crypto.randomUUID()
    await deliver('email-dlq', { unexpected: true }, { id: msgId })
    expect(await rowsOf(msgId)).toMatchObject([
      { queue: 'email', body: { unexpected: true }, attempts: null, lastError: null },
    ])
  })
})

describe('GET /admin/dead-letters', () => {
  it('lists dead letters newest first to an admin, with the email secrets redacted', async () => {
    const { m, row } = await deadEmail()
    const { token } = await seedUser({ roles: ['admin'] })
    const res = await call<DeadLetterOut[]>('GET', '/admin/dead-letters?queue=email&status=pending&limit=100', token)
    expect(res.status).toBe(200)
    const [first] = data(res)
    expect(first).toMatchObject({ id: row.id, queue: 'email', attempts: EMAIL_DELIVERIES, replayedAt: null })
    expect(first!.body).toEqual({ ...m, data: { name: '[redacted]', code: '[redacted]' } })
    expect(res.body.success && res.body.meta?.total).toBeGreaterThanOrEqual(1)
  })

  it('answers 403 to a signed-in user who is not an admin, and 401 without a token', async () => {
    const { token } = await seedUser()
    expectError(await call('GET', '/admin/dead-letters', token), 403, 'FORBIDDEN')
    expectError(await call('GET', '/admin/dead-letters'), 401, 'UNAUTHORIZED')
  })

  it('answers 422 for an unknown queue filter', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    expectError(await call('GET', '/admin/dead-letters?queue=sms', token), 422, 'VALIDATION_ERROR')
  })
})

describe('POST /admin/dead-letters/:id/replay', () => {
  it('sends the original email once: a second replay answers 409, and a duplicate delivery sends nothing', async () => {
    const { m, row } = await deadEmail()
    const { token, user } = await seedUser({ roles: ['admin'] })
    const { sent, queue } = captureQueue()
    const vars = { ...httpEnv, EMAIL_QUEUE: queue } as Env

    const res = await replay(token, row.id, vars)
    expect(res.status).toBe(202)
    const out = (await res.json<{ data: DeadLetterOut }>()).data
    expect(out.replayedAt).not.toBeNull()
    expect(sent).toEqual([m])
    const [stored] = await rowsOf(row.messageId)
    expect(stored).toMatchObject({ replayedBy: user.id })

    const sends = mockProvider(() => 200)
    expect((await deliver('email', sent[0], { id: 'r1', vars: httpEnv })).explicitAcks).toEqual(['r1'])
    expect(sends).toEqual([m.id])
    const [mail] = await withDb((db) => db.select().from(emails).where(eq(emails.id, m.id)))
    expect(mail).toMatchObject({ status: 'sent' })

    const again = await replay(token, row.id, vars)
    expect(again.status).toBe(409)
    expect(sent).toHaveLength(1)
    // Even the same message delivered again (at-least-once) reaches the provider only once.
    await deliver('email', sent[0], { id: 'r2', vars: httpEnv })
    expect(sends).toEqual([m.id])
  })

  it('replays through the real email queue, whose consumer delivers the original email', async () => {
    const { m, row } = await deadEmail()
    const { token } = await seedUser({ roles: ['admin'] })
    expect((await replay(token, row.id)).status).toBe(202)
    // The failed attempts stored the row (as provider http); the real consumer (provider log) marks it sent.
    const statusOf = async () => (await withDb((db) => db.select().from(emails).where(eq(emails.id, m.id))))[0]?.status
    const deadline = Date.now() + 10_000
    while ((await statusOf()) !== 'sent' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(await statusOf()).toBe('sent')
  })

  it('lets only one of two concurrent replays send', async () => {
    const { row } = await deadEmail()
    const { token } = await seedUser({ roles: ['admin'] })
    const { sent, queue } = captureQueue()
    const vars = { ...env, EMAIL_QUEUE: queue } as Env
    const statuses = await Promise.all([replay(token, row.id, vars), replay(token, row.id, vars)])
    expect(statuses.map((r) => r.status).sort()).toEqual([202, 409])
    expect(sent).toHaveLength(1)
  })

  it('keeps the dead letter replayable when its queue refuses the message', async () => {
    const { row } = await deadEmail()
    const { token } = await seedUser({ roles: ['admin'] })
    const broken = { send: async () => Promise.reject(new Error('queue down')) } as unknown as Queue
    const res = await replay(token, row.id, { ...env, EMAIL_QUEUE: broken } as Env)
    expect(res.status).toBe(503)
    expect((await rowsOf(row.messageId))[0]).toMatchObject({ replayedAt: null, replayedBy: null })
    expect((await replay(token, row.id, { ...env, EMAIL_QUEUE: captureQueue().queue } as Env)).status).toBe(202)
  })

  it('answers 404 for an unknown id, 422 for a malformed one, 403 to a non-admin', async () => {
    const { token } = await seedUser({ roles: ['admin'] })
    expectError(await call('POST', `/admin/dead-letters/${crypto.randomUUID()}/replay`, token), 404, 'NOT_FOUND')
    expectError(await call('POST', '/admin/dead-letters/nope/replay', token), 422, 'VALIDATION_ERROR')
    const { row } = await deadEmail()
    const user = await seedUser()
    expectError(await call('POST', `/admin/dead-letters/${row.id}/replay`, user.token), 403, 'FORBIDDEN')
    expect((await rowsOf(row.messageId))[0]!.replayedAt).toBeNull()
  })
})

describe('GET /health', () => {
  it('counts the dead letters not replayed yet', async () => {
    const pending = async () => data(await call<{ deadLetters: number }>('GET', '/health')).deadLetters
    const before = await pending()
    const { row } = await deadEmail()
    expect(await pending()).toBe(before + 1)
    const { token } = await seedUser({ roles: ['admin'] })
    expect((await replay(token, row.id, { ...env, EMAIL_QUEUE: captureQueue().queue } as Env)).status).toBe(202)
    expect(await pending()).toBe(before)
  })
})

describe('the jobs-dlq consumer', () => {
  it('records an execution that failed every attempt once; its replay calls the target once', async () => {
    const { token: userToken } = await seedUser()
    const tag = `/ok?dl=${crypto.randomUUID()}`
    const created = await app.request(
      '/api/v1/jobs',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'dead', cronExpression: '*/5 * * * *', targetUrl: `${ECHO}${tag}` }),
      },
      dev,
    )
    const jobId = (await created.json<{ data: { id: string } }>()).data.id
    const ticks = captureQueue()
    const config = { ...loadConfig(dev), bindings: { ...loadConfig(dev).bindings, JOBS_QUEUE: ticks.queue } }
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000)
    await withDb((db) => db.update(jobs).set({ nextRunAt: at }).where(eq(jobs.id, jobId)))
    await withDb((db) => dispatchDueJobs(db, config, at))
    const [execution] = await withDb((db) => db.select().from(executions).where(eq(executions.jobId, jobId)))
    const body = { executionId: execution!.id }

    // Postgres refuses every claim of this execution: the consumer fails without running it.
    const trigger = `fail_${execution!.id.replace(/-/g, '')}`
    await withDb(async (db) => {
      await db.execute(
        sql.raw(`create or replace function fail_claim() returns trigger language plpgsql as
        $$ begin raise exception 'injected: claim refused'; end $$`),
      )
      await db.execute(
        sql.raw(`create trigger ${trigger} before update on executions for each row
          when (old.id = '${execution!.id}') execute function fail_claim()`),
      )
    })
    const msgId = crypto.randomUUID()
    await failEveryAttempt('jobs', body, msgId, JOBS_DELIVERIES, dev)
    await deliver('jobs-dlq', body, { id: msgId })
    await deliver('jobs-dlq', body, { id: msgId })
    const rows = await rowsOf(msgId)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ queue: 'jobs', body, attempts: JOBS_DELIVERIES })
    expect(rows[0]!.lastError).toContain('injected: claim refused')
    await withDb((db) => db.execute(sql.raw(`drop trigger ${trigger} on executions`)))

    const { token } = await seedUser({ roles: ['admin'] })
    const { sent, queue } = captureQueue()
    const vars = { ...dev, JOBS_QUEUE: queue } as Env
    expect((await replay(token, rows[0]!.id, vars)).status).toBe(202)
    expect((await replay(token, rows[0]!.id, vars)).status).toBe(409)
    expect(sent).toEqual([body])
    await deliver('jobs', sent[0], { id: 'j1', vars: dev })
    await deliver('jobs', sent[0], { id: 'j2', vars: dev })
    const hits = await (await fetch(`${ECHO}/__hits?path=${encodeURIComponent(tag)}`)).json<unknown[]>()
    expect(hits).toHaveLength(1)
    const [done] = await withDb((db) => db.select().from(executions).where(eq(executions.id, execution!.id)))
    expect(done).toMatchObject({ status: 'SUCCESS', attempt: 1 })
  })
})
