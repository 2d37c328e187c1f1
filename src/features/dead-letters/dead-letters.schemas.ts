import { z } from '@hono/zod-openapi'
import { DEAD_LETTER_SOURCES, deadLetters } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { selectSchema } from '../../lib/table-schema'

export const DeadLetterSchema = selectSchema(deadLetters)
  .extend({
    queue: z.enum(DEAD_LETTER_SOURCES).openapi({ description: 'The queue the message failed on (not the DLQ)' }),
    body: z.unknown().openapi({
      description:
        "The message as its producer sent it (a replay sends it unchanged); here an email's data values are redacted.",
    }),
    attempts: z.number().int().nullable().openapi({ description: 'Deliveries tried; null when none was recorded' }),
    lastError: z.string().nullable().openapi({ description: 'The last error; null when none was recorded' }),
  })
  .openapi('DeadLetter')

export const DeadLetterListQuery = PageQuery.extend({
  queue: z.enum(DEAD_LETTER_SOURCES).optional(),
  status: z
    .enum(['pending', 'replayed'])
    .optional()
    .openapi({ description: 'pending: not replayed yet; replayed: replayed; absent: all' }),
})
export type DeadLetterListQuery = z.infer<typeof DeadLetterListQuery>

export const DeadLetterIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
