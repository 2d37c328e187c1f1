import type { Context } from 'hono'
import { ok, page } from '../../lib/envelope'
import type { AuthEnv, Handler } from '../../lib/types'
import { downgradeSubscription } from '../payments/payments.service'
import { runNow } from './dispatch.service'
import type * as r from './jobs.routes'
import { ExecutionSchema } from './jobs.schemas'
import * as jobs from './jobs.service'

const me = (c: Context<AuthEnv>) => c.get('user').id

export const signingSecret: Handler<typeof r.signingSecret> = async (c) =>
  ok(c, { signingSecret: (await jobs.accountOf(c.get('db'), me(c))).signingSecret })

export const rotateSecret: Handler<typeof r.rotateSecret> = async (c) =>
  ok(c, { signingSecret: await jobs.rotateSigningSecret(c.get('db'), me(c)) })

export const create: Handler<typeof r.create> = async (c) =>
  ok(c, await jobs.createJob(c.get('pool'), c.get('config'), me(c), c.req.valid('json')), 201)

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await jobs.listJobs(c.get('db'), me(c), c.req.valid('query'))
  return page(c, data, meta)
}

export const get: Handler<typeof r.get> = async (c) =>
  ok(c, jobs.toJobOut(await jobs.ownJob(c.get('db'), me(c), c.req.valid('param').id)))

export const update: Handler<typeof r.update> = async (c) =>
  ok(c, await jobs.updateJob(c.get('db'), c.get('config'), me(c), c.req.valid('param').id, c.req.valid('json')))

export const remove: Handler<typeof r.remove> = async (c) => {
  await jobs.deleteJob(c.get('db'), me(c), c.req.valid('param').id)
  return c.body(null, 204)
}

export const pause: Handler<typeof r.pause> = async (c) =>
  ok(c, await jobs.pauseJob(c.get('db'), me(c), c.req.valid('param').id))

export const resume: Handler<typeof r.resume> = async (c) =>
  ok(c, await jobs.resumeJob(c.get('pool'), c.get('config'), me(c), c.req.valid('param').id))

export const run: Handler<typeof r.run> = async (c) =>
  ok(c, ExecutionSchema.decode(await runNow(c.get('db'), c.get('config'), me(c), c.req.valid('param').id)), 202)

export const jobLogs: Handler<typeof r.jobLogs> = async (c) => {
  const { jobId } = c.req.valid('param')
  await jobs.ownJob(c.get('db'), me(c), jobId)
  const { data, meta } = await jobs.listExecutions(c.get('db'), me(c), { ...c.req.valid('query'), jobId })
  return page(c, data, meta)
}

export const logs: Handler<typeof r.logs> = async (c) => {
  const { data, meta } = await jobs.listExecutions(c.get('db'), me(c), c.req.valid('query'))
  return page(c, data, meta)
}

export const log: Handler<typeof r.log> = async (c) =>
  ok(c, await jobs.getExecution(c.get('db'), me(c), c.req.valid('param').id))

/** Users move down (or cancel) here; upgrades are paid through checkout. Admins may set any plan. */
export const setPlan: Handler<typeof r.setPlan> = async (c) => {
  const target = c.req.valid('json').plan
  // A subscriber's Stripe subscription follows first, so Stripe never bills for a plan they left.
  await downgradeSubscription(c.get('db'), c.get('config'), me(c), target)
  const allowUpgrade = c.get('user').roles.includes('admin')
  const { plan, pausedJobIds } = await jobs.setPlan(c.get('pool'), c.get('config'), me(c), target, { allowUpgrade })
  return ok(c, { plan, pausedJobIds })
}
