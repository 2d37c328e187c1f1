/**
 * Outbound targets that misbehave (issue 17, part 3): every call of a cron job ends within its bounds and its
 * execution records why, with a code. The targets are the local echo server's (scripts/echo-server.ts).
 */
import { describe, expect, it } from 'vitest'
import { RESPONSE_STORE_LIMIT } from '../src/features/jobs/execute.service'
import { seedUser } from './helpers'
import { deliver, dispatchedExecution, ECHO, executionsOf, hitsFor } from './jobs-fixtures'

/** Runs one execution of a job on `path` (maxRetries 0, so the first attempt is final) and returns its row. */
async function runOnce(path: string, over: Record<string, unknown> = {}) {
  const { token } = await seedUser()
  const tag = `${path}${path.includes('?') ? '&' : '?'}t=${crypto.randomUUID()}`
  const { jobId, execution } = await dispatchedExecution(token, { targetUrl: `${ECHO}${tag}`, maxRetries: 0, ...over })
  const result = await deliver(execution.id)
  expect(result.explicitAcks).toEqual(['m0'])
  const [row] = await executionsOf(jobId)
  return { row: row!, hits: await hitsFor(tag) }
}

describe('misbehaving cron targets', () => {
  it('records a 5xx as HTTP_5XX with its status and body', async () => {
    const { row } = await runOnce('/status/502')
    expect(row).toMatchObject({ status: 'FAILED', error: 'HTTP_5XX', httpStatus: 502, responseBody: 'status 502' })
  })

  it('gives up on a target that never answers at the timeout (TIMEOUT)', async () => {
    const { row } = await runOnce('/slow?ms=5000', { timeout: 1000 })
    expect(row).toMatchObject({ status: 'FAILED', error: 'TIMEOUT', httpStatus: null })
    expect(row.durationMs).toBeLessThan(5000)
  })

  it('records a redirect as REDIRECT without following it', async () => {
    const { row, hits } = await runOnce('/redirect')
    expect(row).toMatchObject({ status: 'FAILED', error: 'REDIRECT', httpStatus: 302 })
    expect(row.errorMessage).toBe('redirect to /ok not followed')
    expect(hits).toHaveLength(1)
  })

  it('stops reading a body that trickles slower than the timeout (TIMEOUT)', async () => {
    // 20 bytes, one every 500 ms: 10 s in all, against a 1 s timeout.
    const { row } = await runOnce('/trickle?ms=500&n=20', { timeout: 1000 })
    expect(row).toMatchObject({ status: 'FAILED', error: 'TIMEOUT' })
    expect(row.durationMs).toBeLessThan(10_000)
  })

  it('cuts a response larger than the cap and keeps the first 4 KB (RESPONSE_TOO_LARGE)', async () => {
    const { row } = await runOnce('/big?kb=2048')
    expect(row).toMatchObject({ status: 'SUCCESS', httpStatus: 200, error: 'RESPONSE_TOO_LARGE' })
    expect(row.responseBody).toBe('x'.repeat(RESPONSE_STORE_LIMIT))
  })

  it('records a target that closes the connection mid-body as CONNECT, not a success', async () => {
    const { row } = await runOnce('/hangup')
    expect(row).toMatchObject({ status: 'FAILED', error: 'CONNECT', httpStatus: null })
    expect(row.errorMessage).toBeTruthy()
  })

  it('retries each of these once when allowed, and calls the target once per attempt', async () => {
    const { token } = await seedUser()
    const tag = `/status/503?once=${crypto.randomUUID()}`
    const { jobId, execution } = await dispatchedExecution(token, { targetUrl: `${ECHO}${tag}`, maxRetries: 1 })
    expect((await deliver(execution.id, 1)).retryMessages).toHaveLength(1)
    expect((await deliver(execution.id, 2)).explicitAcks).toEqual(['m0'])
    expect((await executionsOf(jobId))[0]).toMatchObject({ status: 'FAILED', attempt: 2, error: 'HTTP_5XX' })
    expect(await hitsFor(tag)).toHaveLength(2)
  })
})
