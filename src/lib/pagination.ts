import { z } from '@hono/zod-openapi'

/** `?page=&limit=` with limit capped at 100 (SPEC.md, API conventions). */
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1).openapi({ example: 1 }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
})
export type PageQuery = z.infer<typeof PageQuery>

export const offsetOf = ({ page, limit }: PageQuery) => (page - 1) * limit

export const PageMetaSchema = z.object({ page: z.number().int(), limit: z.number().int(), total: z.number().int() }).openapi('PageMeta')

/** OpenAPI schema of a paginated list envelope. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ success: z.literal(true), data: z.array(item), meta: PageMetaSchema })
}
