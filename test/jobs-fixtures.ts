/** Cron-job test fixtures: a job on the local echo target, made due, dispatched and delivered by hand. */
import { env } from 'cloudflare:workers'
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { app } from '../src/app'
import { executions, jobs } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { dispatchDueJobs } from '../src/features/jobs/dispatch.service'
import worker from '../src/index'
import { withDb } from './helpers'

// Local targets are allowed only in development: these tests run the Worker as development.
export const dev = { ...env, ENVIRONMENT: 'development' } as Env
// The tick's sends are captured here, and each test delivers them itself: the real queue's
// consumer would otherwise race the test for the same execution. (The end-to-end test uses it.)
const sent: unknown[] = []
const capture = {
  send: async (b: unknown) => void sent.push(b),
  sendBatch: async (m: { body: unknown }[]) => void sent.push(...m.map((x) => x.body)),
}
export const realConfig = loadConfig(dev)
export const config = {
  ...realConfig,
  bindings: { ...realConfig.bindings, JOBS_QUEUE: capture as unknown as Queue },
}
export const ECHO = env.TEST_ECHO_URL

export type Hit = { method: string; path: string; headers: Record<string, string>; body: string }
export const hitsFor = async (tag: string) =>
  (await fetch(`${ECHO}/__hits?path=${encodeURIComponent(tag)}`)).json<Hit[]>()

export async function createJob(token: string, over: Record<string, unknown>) {
  const res = await app.request(
    '/api/v1/jobs',
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'run', cronExpression: '*/5 * * * *', ...over }),
    },
    dev,
  )
  const body = await res.json<{ data: { id: string } }>()
  if (res.status !== 201) throw new Error(`create failed ${res.status} ${JSON.stringify(body)}`)
  return body.data.id
}

/** Makes the job due at `at` and runs the tick's dispatch. */
export async function dueAndDispatch(jobId: string, at = new Date(Math.floor(Date.now() / 60_000) * 60_000)) {
  await withDb((db) => db.update(jobs).set({ nextRunAt: at }).where(eq(jobs.id, jobId)))
  return withDb((db) => dispatchDueJobs(db, config, at))
}

export const executionsOf = (jobId: string) =>
  withDb((db) => db.select().from(executions).where(eq(executions.jobId, jobId)))

/**
 * Delivers one jobs message (id m0) for `executionId`, as its `attempts`-th delivery. `retryMessages` carry the
 * `delaySeconds` asked for: getQueueResult drops it, so each message's retry() is watched here.
 */
export async function deliver(executionId: string, attempts = 1) {
  const batch = createMessageBatch('jobs', [{ id: 'm0', timestamp: new Date(), attempts, body: { executionId } }])
  const asked = new Map<string, QueueRetryOptions | undefined>()
  for (const m of batch.messages) {
    const retry = m.retry.bind(m)
    m.retry = (options) => {
      asked.set(m.id, options)
      retry(options)
    }
  }
  const ctx = createExecutionContext()
  await worker.queue(batch, dev, ctx)
  const result = await getQueueResult(batch, ctx)
  const retryMessages = result.retryMessages.map((r) => ({ ...r, ...asked.get(r.msgId) }))
  return { ...result, retryMessages }
}

/** A job created, made due and dispatched: its one execution. */
export async function dispatchedExecution(token: string, over: Record<string, unknown>) {
  const jobId = await createJob(token, over)
  await dueAndDispatch(jobId)
  const [execution] = await executionsOf(jobId)
  return { jobId, execution: execution! }
}
