import { sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { assertInScope, customerOf, type Scope } from '../coldchain/scope.service'

/** Each range and its bucket width (SPEC.md): 24 h in 5 min, 7 d in 30 min, 30 d in 2 h. */
export const RANGES = {
  '24h': { span: '24 hours', bucket: '5 minutes' },
  '7d': { span: '7 days', bucket: '30 minutes' },
  '30d': { span: '30 days', bucket: '2 hours' },
} as const
export type Range = keyof typeof RANGES

type Row = { start: string | null; min: number | null; max: number | null; avg: number | null; count: number }

/**
 * Temperature buckets and overall figures for a cold cell, computed by Postgres in one pass over
 * the (cold_cell_id, recorded_at, temperature) index: raw rows never reach the Worker. The
 * grouping set `()` adds the overall row (its start is null).
 */
export async function coldCellHistory(db: Database, scope: Scope, coldCellId: string, range: Range) {
  assertInScope(scope, await customerOf(db, 'coldCell', coldCellId), 'Cold cell')
  const { span, bucket } = RANGES[range]
  // Literal (from the fixed table above), so the select and the grouping are the same expression.
  const start = sql.raw(`date_bin('${bucket}'::interval, recorded_at, timestamptz '2000-01-01')`)
  const { rows } = await db.execute<Row>(sql`
    select to_char(${start} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as start,
      min(temperature) as min, max(temperature) as max, avg(temperature) as avg, count(*)::int as count
    from readings
    where cold_cell_id = ${coldCellId} and recorded_at >= now() - ${span}::interval
    group by grouping sets ((${start}), ())
    order by 1 nulls first`)
  const [overall, ...buckets] = rows
  const round = (n: number | null) => (n === null ? null : Math.round(Number(n) * 100) / 100)
  return {
    range,
    bucket,
    buckets: buckets.map((b) => ({
      start: b.start!,
      min: round(b.min),
      max: round(b.max),
      avg: round(b.avg),
      count: b.count,
    })),
    stats: {
      min: round(overall?.min ?? null),
      max: round(overall?.max ?? null),
      avg: round(overall?.avg ?? null),
      count: overall?.count ?? 0,
    },
  }
}
