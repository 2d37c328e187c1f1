import { sql, type SQL } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { executions, jobs } from '../../db/schema'

/** The windows `GET /stats/analytics` accepts: the last 7 or 30 UTC days, today included. */
export const ANALYTICS_DAYS = ['7', '30'] as const
export type AnalyticsDays = 7 | 30

// Finished = a final outcome was recorded; in flight = queued, running, or waiting for a retry.
const FINISHED = sql.raw(`('SUCCESS', 'FAILED')`)
const IN_FLIGHT = sql.raw(`('PENDING', 'RUNNING', 'RETRYING')`)

/**
 * The caller's executions, joined to the caller's jobs (so stats are scoped to their own jobs even
 * if a row's user_id ever disagreed with its job's owner), created since `since` (a SQL timestamptz).
 * `e.user_id` first lets Postgres use executions_user_created_idx.
 */
const ownExecutionsSince = (userId: string, since: SQL) => sql`
  ${executions} e join ${jobs} j on j.id = e.job_id and j.user_id = ${userId}::uuid
  where e.user_id = ${userId}::uuid and e.created_at >= ${since}`

/** Start of the analytics period: 00:00 UTC, `days - 1` days before today (UTC). */
const periodStart = (days: AnalyticsDays) =>
  sql`(((now() at time zone 'utc')::date - ${days - 1}::int)::timestamp at time zone 'utc')`

/**
 * GET /stats: job counts, and the last 24 h of executions (by creation time). successRate and
 * avgDurationMs are over the finished ones (SUCCESS, FAILED) among them, null when there are none.
 */
export async function jobStats(db: Database, userId: string) {
  const [jobCounts, execs] = await Promise.all([
    db.execute<{ total: number; active: number; paused: number }>(sql`
      select count(*)::int as total,
        count(*) filter (where status = 'ACTIVE')::int as active,
        count(*) filter (where status = 'PAUSED')::int as paused
      from ${jobs} where user_id = ${userId}::uuid`),
    db.execute<{
      total: number
      success: number
      failed: number
      pending: number
      success_rate: number | null
      avg_duration_ms: number | null
    }>(sql`
      select count(*)::int as total,
        count(*) filter (where e.status = 'SUCCESS')::int as success,
        count(*) filter (where e.status = 'FAILED')::int as failed,
        count(*) filter (where e.status in ${IN_FLIGHT})::int as pending,
        (count(*) filter (where e.status = 'SUCCESS'))::float8 / nullif(count(*) filter (where e.status in ${FINISHED}), 0) as success_rate,
        round(avg(e.duration_ms) filter (where e.status in ${FINISHED}))::int as avg_duration_ms
      from ${ownExecutionsSince(userId, sql`now() - interval '24 hours'`)}`),
  ])
  const j = jobCounts.rows[0]!
  const e = execs.rows[0]!
  return {
    jobs: { total: j.total, active: j.active, paused: j.paused },
    executions24h: { total: e.total, success: e.success, failed: e.failed, pending: e.pending },
    successRate: e.success_rate,
    avgDurationMs: e.avg_duration_ms,
  }
}

/**
 * GET /stats/analytics over the last `days` UTC days (today included), by execution creation time:
 * the success rate of finished executions, a per-day trend with every day present, the UTC hour
 * distribution of all executions (24 buckets), and the 5 jobs with the highest average duration of
 * their finished runs.
 */
export async function jobAnalytics(db: Database, userId: string, days: AnalyticsDays) {
  const since = periodStart(days)
  const own = ownExecutionsSince(userId, since)
  const [rate, trend, hourly, slowest] = await Promise.all([
    db.execute<{ success_rate: number | null }>(sql`
      select (count(*) filter (where e.status = 'SUCCESS'))::float8 / nullif(count(*) filter (where e.status in ${FINISHED}), 0) as success_rate
      from ${own}`),
    db.execute<{ date: string; success: number; failed: number }>(sql`
      with per_day as (
        select (e.created_at at time zone 'utc')::date as day,
          count(*) filter (where e.status = 'SUCCESS')::int as success,
          count(*) filter (where e.status = 'FAILED')::int as failed
        from ${own}
        group by 1
      ),
      period as (select (now() at time zone 'utc')::date - g as day from generate_series(0, ${days - 1}::int) as g)
      select to_char(p.day, 'YYYY-MM-DD') as date, coalesce(d.success, 0)::int as success, coalesce(d.failed, 0)::int as failed
      from period p left join per_day d on d.day = p.day
      order by p.day`),
    db.execute<{ hour: number; executions: number }>(sql`
      with per_hour as (
        select extract(hour from e.created_at at time zone 'utc')::int as hour, count(*)::int as n
        from ${own}
        group by 1
      )
      select h as hour, coalesce(c.n, 0)::int as executions
      from generate_series(0, 23) as h left join per_hour c on c.hour = h
      order by h`),
    db.execute<{ job_id: string; name: string; avg_duration_ms: number; runs: number }>(sql`
      select j.id as job_id, j.name, round(avg(e.duration_ms))::int as avg_duration_ms, count(*)::int as runs
      from ${own} and e.status in ${FINISHED} and e.duration_ms is not null
      group by j.id, j.name
      order by avg(e.duration_ms) desc, j.name, j.id
      limit 5`),
  ])
  return {
    days,
    successRate: rate.rows[0]!.success_rate,
    trend: trend.rows.map((r) => ({ date: r.date, success: r.success, failed: r.failed })),
    hourly: hourly.rows.map((r) => ({ hour: r.hour, executions: r.executions })),
    slowestJobs: slowest.rows.map((r) => ({
      jobId: r.job_id,
      name: r.name,
      avgDurationMs: r.avg_duration_ms,
      runs: r.runs,
    })),
  }
}
