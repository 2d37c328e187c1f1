import { createRoute } from '@hono/zod-openapi'
import { errorResponses, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './notifications.schemas'

const tags = ['Notifications']
const security = [{ bearerAuth: [] }]
// Every notification belongs to one user: the service scopes each query to the caller, so a
// foreign id is a 404 like a missing one, and no permission grants access to another user's.
// PATCH …/read and POST read-all read no body (like POST /jobs/{id}/pause): nothing in one can steer them.
const middleware = requireAuth()
const e = errorResponses

export const list = createRoute({
  method: 'get',
  path: '/notifications',
  tags,
  security,
  middleware,
  summary: 'Your notifications, newest first',
  request: { query: s.NotificationListQuery },
  responses: { 200: jsonContent(pageSchema(s.NotificationSchema), 'A page of notifications'), ...e(401, 422) },
})

export const readAll = createRoute({
  method: 'post',
  path: '/notifications/read-all',
  tags,
  security,
  middleware,
  summary: 'Mark all your notifications read',
  responses: { 200: jsonContent(successSchema(s.ReadAllSchema), 'How many were unread'), ...e(401, 422) },
})

export const read = createRoute({
  method: 'patch',
  path: '/notifications/{id}/read',
  tags,
  security,
  middleware,
  summary: 'Mark a notification read (idempotent)',
  request: { params: s.NotificationIdParam },
  responses: { 200: jsonContent(successSchema(s.NotificationSchema), 'The notification'), ...e(401, 404, 422) },
})

export const remove = createRoute({
  method: 'delete',
  path: '/notifications/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a notification',
  request: { params: s.NotificationIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 404, 422) },
})
