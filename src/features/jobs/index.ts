import { createRouter } from '../../lib/create-router'
import { ok, page } from '../../lib/envelope'
import type { Context } from 'hono'
import type { AuthEnv } from '../../lib/types'
import { runNow } from './dispatch.service'
import * as r from './jobs.routes'
import { ExecutionSchema } from './jobs.schemas'
import * as jobs from './jobs.service'

const me = (c: Context<AuthEnv>) => c.get('user').id

// Static paths (/jobs/signing-secret, /users/plan) are registered before their /{id} siblings.
export const jobsRouter = createRouter()
  .openapi(r.signingSecret, async (c) =>
    ok(c, { signingSecret: (await jobs.accountOf(c.get('db'), me(c))).signingSecret }),
  )
  .openapi(r.rotateSecret, async (c) => ok(c, { signingSecret: await jobs.rotateSigningSecret(c.get('db'), me(c)) }))
  .openapi(r.create, async (c) =>
    ok(c, await jobs.createJob(c.get('db'), c.get('config'), me(c), c.req.valid('json')), 201),
  )
  .openapi(r.list, async (c) => {
    const { data, meta } = await jobs.listJobs(c.get('db'), me(c), c.req.valid('query'))
    return page(c, data, meta)
  })
  .openapi(r.get, async (c) => ok(c, jobs.toJobOut(await jobs.ownJob(c.get('db'), me(c), c.req.valid('param').id))))
  .openapi(r.update, async (c) =>
    ok(c, await jobs.updateJob(c.get('db'), c.get('config'), me(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .openapi(r.remove, async (c) => {
    await jobs.deleteJob(c.get('db'), me(c), c.req.valid('param').id)
    return c.body(null, 204)
  })
  .openapi(r.pause, async (c) => ok(c, await jobs.pauseJob(c.get('db'), me(c), c.req.valid('param').id)))
  .openapi(r.resume, async (c) =>
    ok(c, await jobs.resumeJob(c.get('db'), c.get('config'), me(c), c.req.valid('param').id)),
  )
  .openapi(r.run, async (c) =>
    ok(c, ExecutionSchema.decode(await runNow(c.get('db'), c.get('config'), me(c), c.req.valid('param').id)), 202),
  )
  .openapi(r.jobLogs, async (c) => {
    const { jobId } = c.req.valid('param')
    await jobs.ownJob(c.get('db'), me(c), jobId)
    const { data, meta } = await jobs.listExecutions(c.get('db'), me(c), { ...c.req.valid('query'), jobId })
    return page(c, data, meta)
  })
  .openapi(r.logs, async (c) => {
    const { data, meta } = await jobs.listExecutions(c.get('db'), me(c), c.req.valid('query'))
    return page(c, data, meta)
  })
  .openapi(r.log, async (c) => ok(c, await jobs.getExecution(c.get('db'), me(c), c.req.valid('param').id)))
  .openapi(r.setPlan, async (c) => {
    const { plan, pausedJobIds } = await jobs.setPlan(c.get('db'), c.get('config'), me(c), c.req.valid('json').plan)
    return ok(c, { plan, pausedJobIds })
  })
