import { and, asc, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { notifications } from '../../db/schema'
import { ApiError } from '../../lib/errors'
import { errorFields, log } from '../../lib/logger'
import { offsetOf, toPage, totalRows } from '../../lib/pagination'
import { publish } from '../realtime/hub.service'
import {
  NewNotification,
  NotificationSchema,
  type NewNotificationInput,
  type NotificationListQuery,
} from './notifications.schemas'

type Hubs = Parameters<typeof publish>[0]

/**
 * Persists a notification for `userId`, then pushes it to the `user:<userId>` channel as a
 * `notification` event. The row is the record: a failed push is logged, and the notification
 * stays (the client sees it on its next list).
 */
export async function notify(db: Database, hubs: Hubs, userId: string, input: NewNotificationInput) {
  const values = NewNotification.parse(input)
  const [row] = await db
    .insert(notifications)
    .values({ userId, ...values })
    .returning()
  const out = NotificationSchema.decode(row!)
  try {
    await publish(hubs, `user:${userId}`, 'notification', out)
  } catch (err) {
    log('error', 'notification push failed', { userId, notificationId: out.id, ...errorFields(err) })
  }
  return out
}

export async function listNotifications(db: Database, userId: string, q: NotificationListQuery) {
  const readFilter =
    q.unread === 'true'
      ? isNull(notifications.readAt)
      : q.unread === 'false'
        ? isNotNull(notifications.readAt)
        : undefined
  const where = and(eq(notifications.userId, userId), readFilter)
  const rows = await db
    .select({ n: notifications, total: totalRows })
    .from(notifications)
    .where(where)
    // Exactly the order of notifications_user_created_idx, so a page is an index range.
    .orderBy(desc(notifications.createdAt), asc(notifications.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => NotificationSchema.decode(r.n),
    () => db.$count(notifications, where),
  )
}

/** Idempotent: a notification already read keeps the time it was first read. */
export async function markRead(db: Database, userId: string, id: string) {
  const [row] = await db
    .update(notifications)
    .set({ readAt: sql`coalesce(${notifications.readAt}, now())` })
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
    .returning()
  if (!row) throw ApiError.notFound('Notification')
  return NotificationSchema.decode(row)
}

/** Marks every unread notification of the user read; returns how many changed. */
export async function markAllRead(db: Database, userId: string) {
  const result = await db
    .update(notifications)
    .set({ readAt: sql`now()` })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
  return result.rowCount ?? 0
}

export async function deleteNotification(db: Database, userId: string, id: string) {
  const [row] = await db
    .delete(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
    .returning({ id: notifications.id })
  if (!row) throw ApiError.notFound('Notification')
}
