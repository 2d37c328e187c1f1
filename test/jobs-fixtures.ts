/** Cron-job test fixtures: a job on the local echo target, made due, dispatched and delivered by hand. */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { app } from '../src/app'
import { executions, jobs } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { dispatchDueJobs } from '../src/features/jobs/dispatch.service'
import { withDb } from './helpers'
import { deliverBatch } from './queue-delivery'

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

/** Delivers one jobs message (id m0) for `executionId`, as its `attempts`-th delivery, with the delays retries asked. */
export const deliver = (executionId: string, attempts = 1) =>
  deliverBatch('jobs', [{ id: 'm0', attempts, body: { executionId } }], dev)

/** A job created, made due and dispatched: its one execution. */
export async function dispatchedExecution(token: string, over: Record<string, unknown>) {
  const jobId = await createJob(token, over)
  await dueAndDispatch(jobId)
  const [execution] = await executionsOf(jobId)
  return { jobId, execution: execution! }
}
