import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ERROR_STATUS, type ErrorCode, type ErrorDetails } from './errors'

export type PageMeta = { page: number; limit: number; total: number }

/** `{ success: true, data }`, the shape of every successful reply. */
export function ok<T, S extends ContentfulStatusCode = 200>(c: Context, data: T, status?: S) {
  return c.json({ success: true as const, data }, status ?? (200 as S))
}

/** A page of a list: `{ success: true, data, meta: { page, limit, total } }`. */
export function page<T>(c: Context, data: T[], meta: PageMeta) {
  return c.json({ success: true as const, data, meta }, 200)
}

export function errorBody(code: ErrorCode, message: string, details?: ErrorDetails) {
  return { success: false as const, error: { code, message, ...(details ? { details } : {}) } }
}

/** OpenAPI schema of a success envelope around `data`. */
export function successSchema<T extends z.ZodType>(data: T, name?: string) {
  const schema = z.object({ success: z.literal(true), data })
  return name ? schema.openapi(name) : schema
}

export const ErrorSchema = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error')

/** JSON response entries for createRoute: `jsonContent(schema, 'description')`. */
export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description }
}

/** Standard error responses for createRoute, by status. */
export function errorResponses(...statuses: ContentfulStatusCode[]) {
  return Object.fromEntries(statuses.map((s) => [s, jsonContent(ErrorSchema, `Error (${s})`)])) as Record<
    number,
    ReturnType<typeof jsonContent<typeof ErrorSchema>>
  >
}

/** A required JSON request body for createRoute: `request: { ...jsonBody(schema) }`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { 'application/json': { schema } }, required: true } }
}
