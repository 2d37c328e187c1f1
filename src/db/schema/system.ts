import { date, index, integer, jsonb, pgTable, text, timestamp, uuid, boolean } from 'drizzle-orm/pg-core'

/** Persisted state of each system job of the minute tick (src/schedules/registry.ts). */
export const systemJobs = pgTable('system_jobs', {
  name: text('name').primaryKey(),
  enabled: boolean('enabled').notNull().default(true),
  /** The tick a run was claimed for: a repeated or overlapping tick finds it taken. */
  lastScheduledFor: timestamp('last_scheduled_for', { withTimezone: true }),
  lastRunAt: timestamp('last_run_at', { withTimezone: true }),
  lastDurationMs: integer('last_duration_ms'),
  lastStatus: text('last_status', { enum: ['ok', 'error'] }),
  lastError: text('last_error'),
  nextRunAt: timestamp('next_run_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

export const dailyReports = pgTable('daily_reports', {
  day: date('day').primaryKey(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
})

export const healthChecks = pgTable(
  'health_checks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    status: text('status').notNull(),
    checks: jsonb('checks').$type<Record<string, unknown>>().notNull(),
    checkedAt: timestamp('checked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('health_checks_checked_idx').on(t.checkedAt)],
)
