/** True for a Postgres unique violation (23505), however deep the driver wrapped it. */
export const isUniqueViolation = (err: unknown): boolean =>
  typeof err === 'object' &&
  err !== null &&
  ((err as { code?: string }).code === '23505' || isUniqueViolation((err as { cause?: unknown }).cause))

/** True for a Postgres foreign-key violation (23503): the row names a parent that does not exist. */
export const isForeignKeyViolation = (err: unknown): boolean =>
  typeof err === 'object' &&
  err !== null &&
  ((err as { code?: string }).code === '23503' || isForeignKeyViolation((err as { cause?: unknown }).cause))
