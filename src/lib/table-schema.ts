import { z } from '@hono/zod-openapi'
import { getTableColumns, type Column, type Table } from 'drizzle-orm'
import { createSchemaFactory } from 'drizzle-zod'

/**
 * A timestamp as the API shows it: parsing a row turns its `Date` into an ISO 8601 string. Every
 * response schema derived from a table uses it, so this is the one place dates are serialised.
 */
export const isoDate = z.codec(z.date(), z.iso.datetime(), {
  decode: (d) => d.toISOString(),
  encode: (s) => new Date(s),
})

/**
 * A string a response documents with its format but does not check again: a response must not
 * fail on a stored value that today's rule would refuse (Postgres takes uuids of any version,
 * which `z.uuid()` does not; an email stored before a rule changed must stay readable).
 */
export const formatted = (format: 'uuid' | 'email') => z.string().openapi({ format })

// @hono/zod-openapi's `z`, so the column schemas carry `.openapi()`.
const factory = createSchemaFactory({ zodInstance: z })

/**
 * The API's view of a column. drizzle-zod also writes the storage limits (int32 ranges, varchar
 * lengths) into the schema; they would show up as `minimum`/`maxLength` in the OpenAPI document,
 * and they describe the database, not the API. Uuids are `formatted` (see above).
 */
function apiColumn(column: Column, generated: z.ZodType): z.ZodType {
  if (column.dataType === 'date') return isoDate
  if (generated instanceof z.ZodNumber) return generated.format === 'safeint' ? z.number().int() : z.number()
  if (column.columnType === 'PgUUID') return formatted('uuid')
  if (generated instanceof z.ZodString) return z.string()
  return generated
}

/** A timestamp (or a nullable one) as the API shows it. */
type ApiValue<V> = V extends Date ? string : V

/**
 * Typed from the row (`$inferSelect`), not from drizzle-zod's column types: those test
 * `data extends Buffer`, and the Worker has no Node types, so every text column came out as a Buffer.
 */
export type SelectShape<T extends Table> = {
  [K in Exclude<keyof T['$inferSelect'], SearchColumn>]: z.ZodType<ApiValue<T['$inferSelect'][K]>, T['$inferSelect'][K]>
}

/** The generated search columns (src/db/schema/search.ts) are storage for search, never part of a response. */
type SearchColumn = 'searchText' | 'searchVector'
const SEARCH_COLUMNS: readonly string[] = ['searchText', 'searchVector'] satisfies SearchColumn[]

/**
 * The zod schema of a table's rows, for responses: timestamps become ISO strings (`isoDate`).
 * Whitelist what the API shows with `.pick` (or `.omit` for tables without secrets), then
 * `.extend` with what it adds; `Schema.decode(row)` (typed by the table) then gives exactly the
 * response object.
 */
export function selectSchema<T extends Table>(table: T): z.ZodObject<SelectShape<T>> {
  const columns = Object.entries(getTableColumns(table))
  const refine = Object.fromEntries(
    columns.map(([key, column]) => [key, (generated: z.ZodType) => apiColumn(column, generated)]),
  )
  const schema = factory.createSelectSchema(table, refine as never) as unknown as z.ZodObject
  const internal = Object.fromEntries(
    columns.filter(([key]) => SEARCH_COLUMNS.includes(key)).map(([key]) => [key, true as const]),
  )
  return (Object.keys(internal).length ? schema.omit(internal as never) : schema) as unknown as z.ZodObject<
    SelectShape<T>
  >
}
