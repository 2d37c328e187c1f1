/**
 * The jobs consumer's retry schedule, and the owner's execution logs (issue 17, part 5): the delay asked of the queue
 * for each attempt, a target's Retry-After taken as given, and GET /logs, /logs/:id, /jobs/:jobId/logs showing the
 * caller's own executions.
 */
import { describe, expect, it } from 'vitest'
import { call, data, seedUser } from './helpers'
import { deliver, dispatchedExecution, ECHO, executionsOf } from './jobs-fixtures'

const unique = () => crypto.randomUUID()
type Retried = { msgId: string; delaySeconds?: number }

describe('retry backoff', () => {
  it('asks the queue for 30 s, 60 s, then 120 s, and fails on the attempt past maxRetries', async () => {
    const { token } = await seedUser()
    const { jobId, execution } = await dispatchedExecution(token, {
      targetUrl: `${ECHO}/status/500?b=${unique()}`,
      maxRetries: 3,
    })
    const delays: (number | undefined)[] = []
    for (const attempt of [1, 2, 3]) {
      const result = await deliver(execution.id, attempt)
      expect(result.explicitAcks, `attempt ${attempt}`).toEqual([])
      delays.push(...result.retryMessages.map((m: Retried) => m.delaySeconds))
      expect((await executionsOf(jobId))[0]).toMatchObject({ status: 'RETRYING', attempt, error: 'HTTP_5XX' })
    }
    expect(delays).toEqual([30, 60, 120])
    const last = await deliver(execution.id, 4)
    expect({ acks: last.explicitAcks, retries: last.retryMessages }).toEqual({ acks: ['m0'], retries: [] })
    expect((await executionsOf(jobId))[0]).toMatchObject({ status: 'FAILED', attempt: 4, httpStatus: 500 })
  })

  it("takes the target's Retry-After as the delay, exactly, on a 503 and on a 429", async () => {
    const { token } = await seedUser()
    for (const [status, seconds] of [
      [503, 120],
      [429, 7],
    ] as const) {
      const { execution } = await dispatchedExecution(token, {
        targetUrl: `${ECHO}/status/${status}?retryAfter=${seconds}&r=${unique()}`,
        maxRetries: 2,
      })
      const result = await deliver(execution.id)
      expect(result.retryMessages, `${status}`).toEqual([{ msgId: 'm0', delaySeconds: seconds }])
    }
  })

  it('caps a Retry-After at one hour, and ignores one that is not a number of seconds', async () => {
    const { token } = await seedUser()
    const far = await dispatchedExecution(token, {
      targetUrl: `${ECHO}/status/503?retryAfter=86400&r=${unique()}`,
      maxRetries: 2,
    })
    expect((await deliver(far.execution.id)).retryMessages).toEqual([{ msgId: 'm0', delaySeconds: 3600 }])
    const date = await dispatchedExecution(token, {
      targetUrl: `${ECHO}/status/503?retryAfter=soon&r=${unique()}`,
      maxRetries: 2,
    })
    expect((await deliver(date.execution.id)).retryMessages).toEqual([{ msgId: 'm0', delaySeconds: 30 }])
  })
})

type Execution = { id: string; jobId: string; status: string }

describe("the caller's execution logs", () => {
  it('lists, filters and reads only the caller’s own executions', async () => {
    const [me, other] = [await seedUser(), await seedUser()]
    const ok = await dispatchedExecution(me.token, { targetUrl: `${ECHO}/ok?l=${unique()}` })
    const bad = await dispatchedExecution(me.token, { targetUrl: `${ECHO}/status/404?l=${unique()}` })
    const theirs = await dispatchedExecution(other.token, { targetUrl: `${ECHO}/ok?l=${unique()}` })
    for (const e of [ok, bad, theirs]) await deliver(e.execution.id)

    const mine = data(await call<Execution[]>('GET', '/logs', me.token))
    expect(mine.map((e) => e.id).sort()).toEqual([ok.execution.id, bad.execution.id].sort())
    expect(data(await call<Execution[]>('GET', '/logs?status=FAILED', me.token)).map((e) => e.id)).toEqual([
      bad.execution.id,
    ])
    const ofJob = data(await call<Execution[]>('GET', `/jobs/${ok.jobId}/logs`, me.token))
    expect(ofJob).toMatchObject([{ id: ok.execution.id, jobId: ok.jobId, status: 'SUCCESS' }])
    expect(data(await call<Execution>('GET', `/logs/${bad.execution.id}`, me.token))).toMatchObject({
      id: bad.execution.id,
      jobId: bad.jobId,
      status: 'FAILED',
      httpStatus: 404,
      error: 'HTTP_4XX',
    })
    expect((await call('GET', `/logs/${theirs.execution.id}`, me.token)).status).toBe(404)
    expect((await call('GET', `/jobs/${theirs.jobId}/logs`, me.token)).status).toBe(404)
    expect(data(await call<Execution[]>('GET', '/logs', other.token)).map((e) => e.id)).toEqual([theirs.execution.id])
  })

  it('pages the logs newest first with the total', async () => {
    const { token } = await seedUser()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const { execution } = await dispatchedExecution(token, { targetUrl: `${ECHO}/ok?p=${unique()}` })
      ids.push(execution.id)
    }
    const page = await call<Execution[]>('GET', '/logs?page=1&limit=2', token)
    expect(page.body).toMatchObject({ success: true, meta: { page: 1, limit: 2, total: 3 } })
    const second = data(await call<Execution[]>('GET', '/logs?page=2&limit=2', token))
    expect([...data(page), ...second].map((e) => e.id)).toEqual([...ids].reverse())
  })
})
