import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { jobs, notifications } from '../src/db/schema'
import { dispatchDueJobs } from '../src/features/jobs/dispatch.service'
import { readMailbox, seedUser, withDb } from './helpers'
import {
  config,
  createJob,
  deliver,
  dev,
  dueAndDispatch,
  ECHO,
  executionsOf,
  hitsFor,
  realConfig,
} from './jobs-fixtures'
import { openSocket } from './realtime-clients'

describe('the minute tick', () => {
  it('dispatches a due job once, even when the same tick runs twice or overlaps', async () => {
    const { token } = await seedUser()
    const jobId = await createJob(token, { targetUrl: `${ECHO}/ok?t=${crypto.randomUUID()}` })
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000)
    await withDb((db) => db.update(jobs).set({ nextRunAt: at }).where(eq(jobs.id, jobId)))
    const results = await Promise.all([1, 2, 3].map(() => withDb((db) => dispatchDueJobs(db, config, at))))
    expect(results.reduce((n, r) => n + r.dispatched, 0)).toBe(1)
    const again = await withDb((db) => dispatchDueJobs(db, config, at))
    expect(again.dispatched).toBe(0)
    expect(await executionsOf(jobId)).toHaveLength(1)
  })

  it('runs a job late after an outage once, not once per missed minute, and schedules it after now', async () => {
    const { token } = await seedUser()
    const jobId = await createJob(token, { targetUrl: `${ECHO}/ok?t=${crypto.randomUUID()}` })
    const now = new Date(Math.floor(Date.now() / 60_000) * 60_000)
    await withDb((db) =>
      db
        .update(jobs)
        .set({ nextRunAt: new Date(now.getTime() - 60 * 60_000) })
        .where(eq(jobs.id, jobId)),
    )
    expect((await withDb((db) => dispatchDueJobs(db, config, now))).dispatched).toBe(1)
    const [job] = await withDb((db) => db.select().from(jobs).where(eq(jobs.id, jobId)))
    expect(job!.nextRunAt!.getTime()).toBeGreaterThan(now.getTime())
  })

  it('skips paused jobs', async () => {
    const { token } = await seedUser()
    const jobId = await createJob(token, { targetUrl: `${ECHO}/ok` })
    await withDb((db) => db.update(jobs).set({ status: 'PAUSED' }).where(eq(jobs.id, jobId)))
    expect((await dueAndDispatch(jobId)).dispatched).toBe(0)
  })
})

describe('tick to consumer, end to end through the real jobs queue', () => {
  // The queue's own consumer runs with the Worker's real env (ENVIRONMENT=test), where loopback
  // targets are refused at call time even though the job was created in development.
  it('runs the execution once, and the call-time guard refuses a loopback target outside development', async () => {
    const { token } = await seedUser()
    const tag = `/ok?e2e=${crypto.randomUUID()}`
    const jobId = await createJob(token, { targetUrl: `${ECHO}${tag}`, maxRetries: 2 })
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000)
    await withDb((db) => db.update(jobs).set({ nextRunAt: at }).where(eq(jobs.id, jobId)))
    expect((await withDb((db) => dispatchDueJobs(db, realConfig, at))).dispatched).toBe(1)
    const deadline = Date.now() + 10_000
    while ((await executionsOf(jobId))[0]?.status !== 'FAILED' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100))
    expect(await executionsOf(jobId)).toMatchObject([{ status: 'FAILED', attempt: 1, error: 'BLOCKED_TARGET' }])
    expect(await hitsFor(tag)).toHaveLength(0)
  })
})

describe('the jobs consumer', () => {
  it('calls the target once with a signature an independent HMAC verifies, and records the result', async () => {
    const { token } = await seedUser()
    const tag = `/ok?sig=${crypto.randomUUID()}`
    const jobId = await createJob(token, {
      targetUrl: `${ECHO}${tag}`,
      httpMethod: 'POST',
      body: '{"hello":"world"}',
      headers: { 'X-Custom': 'yes' },
    })
    await dueAndDispatch(jobId)
    const [execution] = await executionsOf(jobId)
    expect((await deliver(execution!.id)).explicitAcks).toEqual(['m0'])
    // A duplicate delivery does nothing.
    expect((await deliver(execution!.id)).explicitAcks).toEqual(['m0'])

    const hits = await hitsFor(tag)
    expect(hits).toHaveLength(1)
    const hit = hits[0]!
    expect(hit).toMatchObject({ method: 'POST', body: '{"hello":"world"}' })
    expect(hit.headers['idempotency-key']).toBe(execution!.id)
    expect(hit.headers['x-custom']).toBe('yes')

    const secretRes = await app.request(
      '/api/v1/jobs/signing-secret',
      { headers: { authorization: `Bearer ${token}` } },
      dev,
    )
    const secret = (await secretRes.json<{ data: { signingSecret: string } }>()).data.signingSecret
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(hit.headers['outpost-signature']!)!
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    )
    const mac = Uint8Array.from(v1!.match(/../g)!.map((h) => parseInt(h, 16)))
    expect(await crypto.subtle.verify('HMAC', key, mac, new TextEncoder().encode(`${t}.${hit.body}`))).toBe(true)
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(60)

    const [done] = await executionsOf(jobId)
    expect(done).toMatchObject({ status: 'SUCCESS', httpStatus: 200, attempt: 1, error: null })
    const [job] = await withDb((db) => db.select().from(jobs).where(eq(jobs.id, jobId)))
    expect(job).toMatchObject({ lastStatus: 'SUCCESS', consecutiveFailures: 0 })
  })

  it('records a redirect without following it', async () => {
    const { token } = await seedUser()
    const jobId = await createJob(token, { targetUrl: `${ECHO}/redirect?r=${crypto.randomUUID()}` })
    await dueAndDispatch(jobId)
    const [execution] = await executionsOf(jobId)
    await deliver(execution!.id)
    const [done] = await executionsOf(jobId)
    expect(done).toMatchObject({ status: 'FAILED', httpStatus: 302, error: 'REDIRECT' })
  })

  it('caps the stored response at 4 KB and stops reading at 64 KB', async () => {
    const { token } = await seedUser()
    const jobId = await createJob(token, { targetUrl: `${ECHO}/big?kb=1024&b=${crypto.randomUUID()}` })
    await dueAndDispatch(jobId)
    const [execution] = await executionsOf(jobId)
    await deliver(execution!.id)
    const [done] = await executionsOf(jobId)
    expect(done!.responseBody).toHaveLength(4096)
    expect(done).toMatchObject({ status: 'SUCCESS', error: 'RESPONSE_TOO_LARGE' })
  })

  it('times out a slow target and retries with backoff until maxRetries, then fails, emails the owner', async () => {
    const { token, user } = await seedUser()
    const jobId = await createJob(token, {
      targetUrl: `${ECHO}/slow?ms=3000&s=${crypto.randomUUID()}`,
      timeout: 1000,
      maxRetries: 1,
    })
    await dueAndDispatch(jobId)
    const [execution] = await executionsOf(jobId)
    const first = await deliver(execution!.id)
    expect(first.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['m0'])
    expect((await executionsOf(jobId))[0]).toMatchObject({
      status: 'RETRYING',
      error: 'TIMEOUT',
      errorMessage: 'no answer within 1000 ms',
      attempt: 1,
    })
    const second = await deliver(execution!.id, 2)
    expect(second.explicitAcks).toEqual(['m0'])
    expect((await executionsOf(jobId))[0]).toMatchObject({ status: 'FAILED', error: 'TIMEOUT', attempt: 2 })
    const [job] = await withDb((db) => db.select().from(jobs).where(eq(jobs.id, jobId)))
    expect(job).toMatchObject({ lastStatus: 'FAILED', consecutiveFailures: 1, status: 'ACTIVE' })
    const [mail] = await readMailbox(user.email)
    expect(mail!.subject).toContain('failed')
  })

  it('auto-pauses a job after AUTO_PAUSE_AFTER consecutive failures and tells the owner', async () => {
    const { token, user } = await seedUser()
    const jobId = await createJob(token, { targetUrl: `${ECHO}/status/404?a=${crypto.randomUUID()}` })
    await withDb((db) =>
      db
        .update(jobs)
        .set({ consecutiveFailures: config.AUTO_PAUSE_AFTER - 1 })
        .where(eq(jobs.id, jobId)),
    )
    await dueAndDispatch(jobId)
    const [execution] = await executionsOf(jobId)
    await deliver(execution!.id)
    const [job] = await withDb((db) => db.select().from(jobs).where(eq(jobs.id, jobId)))
    expect(job).toMatchObject({
      status: 'PAUSED',
      pausedReason: 'FAILURES',
      nextRunAt: null,
      consecutiveFailures: config.AUTO_PAUSE_AFTER,
    })
    const mail = await readMailbox(user.email)
    expect(mail[0]!.subject).toContain('paused')
    const [note] = await withDb((db) => db.select().from(notifications).where(eq(notifications.userId, user.id)))
    expect(note).toMatchObject({ type: 'job.paused', data: { jobId, executionId: execution!.id } })
  })

  it('refuses a target that became private at call time (BLOCKED_TARGET), without retrying', async () => {
    const { token } = await seedUser()
    const jobId = await createJob(token, { targetUrl: `${ECHO}/ok`, maxRetries: 3 })
    await withDb((db) =>
      db.update(jobs).set({ targetUrl: 'http://169.254.169.254/latest/meta-data/' }).where(eq(jobs.id, jobId)),
    )
    await dueAndDispatch(jobId)
    const [execution] = await executionsOf(jobId)
    expect((await deliver(execution!.id)).explicitAcks).toEqual(['m0'])
    expect((await executionsOf(jobId))[0]).toMatchObject({
      status: 'FAILED',
      error: 'BLOCKED_TARGET',
      httpStatus: null,
    })
  })

  it('honours Retry-After from the target when it asks to slow down', async () => {
    const { token } = await seedUser()
    const jobId = await createJob(token, {
      targetUrl: `${ECHO}/status/503?retryAfter=120&r=${crypto.randomUUID()}`,
      maxRetries: 2,
    })
    await dueAndDispatch(jobId)
    const [execution] = await executionsOf(jobId)
    const res = await deliver(execution!.id)
    expect(res.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['m0'])
    expect((await executionsOf(jobId))[0]).toMatchObject({ status: 'RETRYING', error: 'HTTP_5XX', httpStatus: 503 })
  })

  it("publishes each finished execution to the owner's user channel as job.execution", async () => {
    const { user, token } = await seedUser()
    const jobId = await createJob(token, { targetUrl: `${ECHO}/ok?e=${crypto.randomUUID()}` })
    await dueAndDispatch(jobId)
    const [execution] = await executionsOf(jobId)
    const socket = await openSocket(`user:${user.id}`, { token })
    await socket.next('presence')
    expect((await deliver(execution!.id)).explicitAcks).toEqual(['m0'])
    const frame = await socket.next('message')
    expect(frame.data).toMatchObject({
      event: 'job.execution',
      payload: { jobId, executionId: execution!.id, status: 'SUCCESS', httpStatus: 200 },
    })
    socket.ws.close()
  })

  it('runs a job now on request, through the queue, with a MANUAL execution', async () => {
    const { token } = await seedUser()
    const jobId = await createJob(token, { targetUrl: `${ECHO}/ok?m=${crypto.randomUUID()}` })
    const res = await app.request(
      `/api/v1/jobs/${jobId}/run`,
      { method: 'POST', headers: { authorization: `Bearer ${token}` } },
      dev,
    )
    expect(res.status).toBe(202)
    expect((await res.json<{ data: { trigger: string; status: string } }>()).data).toMatchObject({
      trigger: 'MANUAL',
      status: 'PENDING',
    })
  })
})
