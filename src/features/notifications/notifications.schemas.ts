import { z } from '@hono/zod-openapi'
import { notifications, type Json } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { selectSchema } from '../../lib/table-schema'

// Notifications are pushed through the realtime replay buffer, so their payload stays small.
const MAX_DATA_BYTES = 4096

// Any JSON object. z.json() is recursive, which the OpenAPI generator cannot walk, so the document says
// "an object" while the type stays the column's JSON (a notification is also published as an event).
const JsonObject = z.record(z.string(), z.unknown()) as unknown as z.ZodType<{ [key: string]: Json }>

export const NotificationSchema = selectSchema(notifications)
  .omit({ userId: true })
  .extend({ type: z.string().openapi({ example: 'welcome' }), data: JsonObject })
  .openapi('Notification')

/** What `notify()` accepts from other features; parsed there, so a bad call fails loudly. */
export const NewNotification = z.strictObject({
  type: z.string().regex(/^[a-z0-9_.-]{1,40}$/, 'a short slug: a-z, 0-9, _ . -'),
  title: z.string().trim().min(1).max(200),
  message: z.string().max(2000),
  data: z
    .record(z.string(), z.json())
    .refine(
      (d) => new TextEncoder().encode(JSON.stringify(d)).length <= MAX_DATA_BYTES,
      `at most ${MAX_DATA_BYTES} bytes of JSON`,
    )
    .default({}),
})
export type NewNotificationInput = z.input<typeof NewNotification>

export const NotificationListQuery = PageQuery.extend({
  unread: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'true: only unread; false: only read; absent: all' }),
})
export type NotificationListQuery = z.infer<typeof NotificationListQuery>

export const NotificationIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })

export const ReadAllSchema = z.object({ updated: z.number().int() }).openapi('ReadAllResult')
