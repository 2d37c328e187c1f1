import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm'
import type { Database, PoolDatabase, Tx } from '../../db/client'
import { executions, jobAccounts, jobs, PLANS, users, type Execution, type Job, type Plan } from '../../db/schema'
import type { Config, PlanLimits } from '../../env'
import { randomToken } from '../../lib/crypto'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows, type PageQuery } from '../../lib/pagination'
import { checkTarget } from '../../lib/ssrf'
import { ExecutionSchema, JobSchema, type CreateJobInput, type UpdateJobInput } from './jobs.schemas'
import { cronError, minIntervalSeconds, nextRunAt, timezoneError } from './schedule'

export const limitsOf = (config: Config, plan: Plan): PlanLimits =>
  ({ FREE: config.PLAN_FREE, PREMIUM: config.PLAN_PREMIUM, PRO: config.PLAN_PRO })[plan]

/** Local targets are reachable only in development (the demo echo server). */
export const allowedHosts = (config: Config) => (config.isDev ? config.CRON_ALLOWED_PRIVATE_HOSTS : [])

/** The target type is not stored: HTTP is the only one so far. */
export const toJobOut = (j: Job) => JobSchema.decode({ ...j, targetType: 'HTTP' })

/** The user's cron account (plan, signing secret), created on first use. */
export async function accountOf(db: Database, userId: string) {
  await db
    .insert(jobAccounts)
    .values({ userId, signingSecret: `whsec_${randomToken(32)}` })
    .onConflictDoNothing()
  const [account] = await db.select().from(jobAccounts).where(eq(jobAccounts.userId, userId))
  return account!
}

type JobShape = Pick<CreateJobInput, 'cronExpression' | 'timezone' | 'targetUrl' | 'timeout' | 'maxRetries'>

/** Every field-level problem at once, as a 422: syntax, timezone, plan caps and the SSRF guard. */
export function validateJob(config: Config, limits: PlanLimits, job: JobShape) {
  const details: Record<string, string> = {}
  const cronProblem = cronError(job.cronExpression)
  const tzProblem = timezoneError(job.timezone)
  if (cronProblem) details['json.cronExpression'] = cronProblem
  if (tzProblem) details['json.timezone'] = tzProblem
  if (!cronProblem && !tzProblem) {
    const every = minIntervalSeconds(job.cronExpression, job.timezone)
    if (every < limits.minIntervalSec) {
      details['json.cronExpression'] =
        `runs every ${Math.round(every / 60)} min; your plan allows at most one run every ${limits.minIntervalSec / 60} min`
    }
  }
  if (job.timeout > limits.maxTimeoutMs) details['json.timeout'] = `your plan allows at most ${limits.maxTimeoutMs} ms`
  if (job.maxRetries > limits.maxRetries) details['json.maxRetries'] = `your plan allows at most ${limits.maxRetries}`
  const target = checkTarget(job.targetUrl, { allowHosts: allowedHosts(config) })
  if (!target.ok) details['json.targetUrl'] = target.reason
  if (Object.keys(details).length) throw ApiError.validation(details)
}

const planLimitError = (limits: PlanLimits, plan: Plan) =>
  new ApiError('PLAN_LIMIT', `Your ${plan} plan allows ${limits.maxJobs} jobs; upgrade or delete one`, {
    maxJobs: limits.maxJobs,
  })

/**
 * Creates a job under the plan's job cap. The cap check and the insert run in one transaction
 * holding the account row's lock, so concurrent creates can never exceed it.
 */
export async function createJob(db: PoolDatabase, config: Config, userId: string, input: CreateJobInput) {
  const account = await accountOf(db, userId)
  const limits = limitsOf(config, account.plan)
  validateJob(config, limits, input)
  const job = await db.transaction(async (tx) => {
    const [locked] = await tx
      .select({ plan: jobAccounts.plan })
      .from(jobAccounts)
      .where(eq(jobAccounts.userId, userId))
      .for('update')
    const lockedLimits = limitsOf(config, locked!.plan)
    const [owned] = await tx.select({ n: count() }).from(jobs).where(eq(jobs.userId, userId))
    if ((owned?.n ?? 0) >= lockedLimits.maxJobs) throw planLimitError(lockedLimits, locked!.plan)
    const [row] = await tx
      .insert(jobs)
      .values({
        userId,
        name: input.name,
        cronExpression: input.cronExpression,
        timezone: input.timezone,
        httpMethod: input.httpMethod,
        targetUrl: input.targetUrl,
        headers: input.headers,
        body: input.body ?? null,
        timeout: input.timeout,
        maxRetries: input.maxRetries,
        nextRunAt: nextRunAt(input.cronExpression, input.timezone, new Date()),
      })
      .returning()
    return row!
  })
  return toJobOut(job)
}

export async function ownJob(db: Database, userId: string, id: string) {
  const [job] = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.id, id), eq(jobs.userId, userId)))
  if (!job) throw ApiError.notFound('Job')
  return job
}

export async function listJobs(db: Database, userId: string, q: PageQuery & { status?: 'ACTIVE' | 'PAUSED' }) {
  const where = and(eq(jobs.userId, userId), q.status ? eq(jobs.status, q.status) : undefined)
  const rows = await db
    .select({ job: jobs, total: totalRows })
    .from(jobs)
    .where(where)
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => toJobOut(r.job),
    () => db.$count(jobs, where),
  )
}

export async function updateJob(db: Database, config: Config, userId: string, id: string, patch: UpdateJobInput) {
  const job = await ownJob(db, userId, id)
  const account = await accountOf(db, userId)
  const merged = {
    cronExpression: patch.cronExpression ?? job.cronExpression,
    timezone: patch.timezone ?? job.timezone,
    targetUrl: patch.targetUrl ?? job.targetUrl,
    timeout: patch.timeout ?? job.timeout,
    maxRetries: patch.maxRetries ?? job.maxRetries,
  }
  validateJob(config, limitsOf(config, account.plan), merged)
  const scheduleChanged = patch.cronExpression !== undefined || patch.timezone !== undefined
  const [row] = await db
    .update(jobs)
    .set({
      name: patch.name,
      cronExpression: merged.cronExpression,
      timezone: merged.timezone,
      targetUrl: merged.targetUrl,
      httpMethod: patch.httpMethod,
      headers: patch.headers,
      body: patch.body,
      timeout: merged.timeout,
      maxRetries: merged.maxRetries,
      ...(scheduleChanged && job.status === 'ACTIVE'
        ? { nextRunAt: nextRunAt(merged.cronExpression, merged.timezone, new Date()) }
        : {}),
    })
    .where(and(eq(jobs.id, id), eq(jobs.userId, userId)))
    .returning()
  return toJobOut(row!)
}

export async function deleteJob(db: Database, userId: string, id: string) {
  const [row] = await db
    .delete(jobs)
    .where(and(eq(jobs.id, id), eq(jobs.userId, userId)))
    .returning({ id: jobs.id })
  if (!row) throw ApiError.notFound('Job')
}

export async function pauseJob(db: Database, userId: string, id: string) {
  await ownJob(db, userId, id)
  const [row] = await db
    .update(jobs)
    .set({ status: 'PAUSED', pausedReason: 'USER', nextRunAt: null })
    .where(eq(jobs.id, id))
    .returning()
  return toJobOut(row!)
}

/** Resuming counts against the plan's cap of active jobs (a downgrade may have paused the excess). */
export async function resumeJob(db: PoolDatabase, config: Config, userId: string, id: string) {
  const job = await ownJob(db, userId, id)
  if (job.status === 'ACTIVE') return toJobOut(job)
  const account = await accountOf(db, userId)
  // A job paused by a downgrade must fit the current plan before it runs again.
  validateJob(config, limitsOf(config, account.plan), {
    cronExpression: job.cronExpression,
    timezone: job.timezone,
    targetUrl: job.targetUrl,
    timeout: job.timeout,
    maxRetries: job.maxRetries,
  })
  const row = await db.transaction(async (tx) => {
    const [locked] = await tx
      .select({ plan: jobAccounts.plan })
      .from(jobAccounts)
      .where(eq(jobAccounts.userId, userId))
      .for('update')
    const limits = limitsOf(config, locked!.plan)
    const [active] = await tx
      .select({ n: count() })
      .from(jobs)
      .where(and(eq(jobs.userId, userId), eq(jobs.status, 'ACTIVE')))
    if ((active?.n ?? 0) >= limits.maxJobs) throw planLimitError(limits, locked!.plan)
    const [updated] = await tx
      .update(jobs)
      .set({
        status: 'ACTIVE',
        pausedReason: null,
        consecutiveFailures: 0,
        nextRunAt: nextRunAt(job.cronExpression, job.timezone, new Date()),
      })
      .where(eq(jobs.id, id))
      .returning()
    return updated!
  })
  return toJobOut(row)
}

/**
 * Changes the plan; an upgrade only when `allowUpgrade` (admins, and the Stripe webhook once paid).
 * A downgrade deletes nothing: it pauses the newest active jobs beyond the cap,
 * and any active job the new plan does not allow (interval, timeout, retries).
 */
export async function setPlan(
  db: PoolDatabase | Tx,
  config: Config,
  userId: string,
  plan: Plan,
  { allowUpgrade }: { allowUpgrade: boolean },
) {
  await accountOf(db, userId)
  const limits = limitsOf(config, plan)
  return db.transaction(async (tx) => {
    // Locked, so a webhook's upgrade cannot slip between this check and the write.
    const [current] = await tx
      .select({ plan: jobAccounts.plan })
      .from(jobAccounts)
      .where(eq(jobAccounts.userId, userId))
      .for('update')
    if (!allowUpgrade && PLANS.indexOf(plan) > PLANS.indexOf(current!.plan)) {
      throw new ApiError('PAYMENT_REQUIRED', `Upgrading to ${plan} goes through checkout`, {
        checkout: 'POST /api/v1/payments/checkout',
        plan,
      })
    }
    await tx.update(jobAccounts).set({ plan, updatedAt: sql`now()` }).where(eq(jobAccounts.userId, userId))
    const active = await tx
      .select()
      .from(jobs)
      .where(and(eq(jobs.userId, userId), eq(jobs.status, 'ACTIVE')))
      .orderBy(asc(jobs.createdAt), asc(jobs.id))
      .for('update')
    const pause = active
      .filter(
        (j, i) =>
          i >= limits.maxJobs ||
          j.timeout > limits.maxTimeoutMs ||
          j.maxRetries > limits.maxRetries ||
          minIntervalSeconds(j.cronExpression, j.timezone) < limits.minIntervalSec,
      )
      .map((j) => j.id)
    if (pause.length) {
      await tx
        .update(jobs)
        .set({ status: 'PAUSED', pausedReason: 'PLAN_LIMIT', nextRunAt: null })
        .where(inArray(jobs.id, pause))
    }
    return { plan, limits, pausedJobIds: pause }
  })
}

export async function rotateSigningSecret(db: Database, userId: string) {
  await accountOf(db, userId)
  const [row] = await db
    .update(jobAccounts)
    .set({ signingSecret: `whsec_${randomToken(32)}`, updatedAt: sql`now()` })
    .where(eq(jobAccounts.userId, userId))
    .returning({ signingSecret: jobAccounts.signingSecret })
  return row!.signingSecret
}

export async function listExecutions(
  db: Database,
  userId: string,
  q: PageQuery & { status?: Execution['status']; jobId?: string },
) {
  const where = and(
    eq(executions.userId, userId),
    q.jobId ? eq(executions.jobId, q.jobId) : undefined,
    q.status ? eq(executions.status, q.status) : undefined,
  )
  const rows = await db
    .select({ e: executions, total: totalRows })
    .from(executions)
    .where(where)
    .orderBy(desc(executions.createdAt), desc(executions.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => ExecutionSchema.decode(r.e),
    () => db.$count(executions, where),
  )
}

export async function getExecution(db: Database, userId: string, id: string) {
  const [row] = await db
    .select()
    .from(executions)
    .where(and(eq(executions.id, id), eq(executions.userId, userId)))
  if (!row) throw ApiError.notFound('Execution')
  return ExecutionSchema.decode(row)
}

/** The address a job owner's notices go to; undefined once the account is gone. */
export async function ownerEmail(db: Database, userId: string) {
  const [owner] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId))
  return owner?.email
}
