import { z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'

/** `?page=&limit=` with limit capped at 100 (SPEC.md, API conventions). */
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1).openapi({ example: 1 }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
})
export type PageQuery = z.infer<typeof PageQuery>

export const offsetOf = ({ page, limit }: PageQuery) => (page - 1) * limit

export const PageMetaSchema = z
  .object({ page: z.number().int(), limit: z.number().int(), total: z.number().int() })
  .openapi('PageMeta')

/** OpenAPI schema of a paginated list envelope. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ success: z.literal(true), data: z.array(item), meta: PageMetaSchema })
}

/** A select column carrying the whole filtered query's row count on every row of a page. */
export const totalRows = sql<number>`(count(*) over ())::int`

/**
 * A list envelope from a page read with `totalRows`: the total comes from the first row; a page
 * past the end has no row to carry it, so only then is `countAll` asked.
 */
export async function toPage<R extends { total: number }, T>(
  rows: R[],
  q: PageQuery,
  map: (row: R) => T,
  countAll: () => Promise<number>,
) {
  const total = rows[0]?.total ?? (q.page > 1 ? await countAll() : 0)
  return { data: rows.map(map), meta: { page: q.page, limit: q.limit, total } }
}
