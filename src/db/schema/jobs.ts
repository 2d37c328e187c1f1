import { sql } from 'drizzle-orm'
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { users } from './users'

export const PLANS = ['FREE', 'PREMIUM', 'PRO'] as const
export type Plan = (typeof PLANS)[number]
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const

/** Per-user cron-service account: plan and the secret that signs outbound calls. */
export const jobAccounts = pgTable('job_accounts', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  plan: text('plan', { enum: PLANS }).notNull().default('FREE'),
  /** HMAC key for Outpost-Signature; it must be usable, so it is stored as is (rotatable). */
  signingSecret: text('signing_secret').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    cronExpression: text('cron_expression').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    httpMethod: text('http_method', { enum: HTTP_METHODS }).notNull().default('GET'),
    targetUrl: text('target_url').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    body: text('body'),
    /** Milliseconds, as the API (seed 004's `"timeout": 10000`). */
    timeout: integer('timeout_ms').notNull().default(10_000),
    maxRetries: integer('max_retries').notNull().default(0),
    status: text('status', { enum: ['ACTIVE', 'PAUSED'] })
      .notNull()
      .default('ACTIVE'),
    pausedReason: text('paused_reason'),
    nextRunAt: timestamp('next_run_at', { withTimezone: true }),
    lastRunAt: timestamp('last_run_at', { withTimezone: true }),
    lastStatus: text('last_status', { enum: ['SUCCESS', 'FAILED'] }),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    index('jobs_user_idx').on(t.userId, t.createdAt),
    index('jobs_due_idx').on(t.nextRunAt).where(sql`${t.status} = 'ACTIVE'`),
  ],
)

export const EXECUTION_STATUSES = ['PENDING', 'RUNNING', 'RETRYING', 'SUCCESS', 'FAILED'] as const

/** One run of a job. UNIQUE (job, scheduled_for): a repeated tick can never dispatch twice. */
export const executions = pgTable(
  'executions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }).notNull(),
    trigger: text('trigger', { enum: ['SCHEDULE', 'MANUAL'] })
      .notNull()
      .default('SCHEDULE'),
    status: text('status', { enum: EXECUTION_STATUSES }).notNull().default('PENDING'),
    attempt: integer('attempt').notNull().default(0),
    httpStatus: integer('http_status'),
    durationMs: integer('duration_ms'),
    /** A coded reason: TIMEOUT, DNS, CONNECT, HTTP_5XX, HTTP_4XX, REDIRECT, BLOCKED_TARGET, RESPONSE_TOO_LARGE, ERROR. */
    error: text('error'),
    errorMessage: text('error_message'),
    responseBody: text('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('executions_job_scheduled_idx').on(t.jobId, t.scheduledFor),
    index('executions_user_created_idx').on(t.userId, t.createdAt),
    index('executions_created_idx').on(t.createdAt),
  ],
)

export type Job = typeof jobs.$inferSelect
export type Execution = typeof executions.$inferSelect
