import { createRoute } from '@hono/zod-openapi'
import { errorResponses, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { authed, requireRole } from '../../lib/auth'
import { UserIdParam, UserListQuery, UserSchema } from '../users/users.schemas'
import * as s from './admin.schemas'

const tags = ['Admin']
const security = [{ bearerAuth: [] }]
const middleware = authed(requireRole('admin'))
const e = errorResponses

export const stats = createRoute({
  method: 'get',
  path: '/admin/stats',
  tags,
  security,
  middleware,
  summary: 'User, role and session counts',
  responses: { 200: jsonContent(successSchema(s.StatsSchema), 'Stats'), ...e(401, 403) },
})
export const analytics = createRoute({
  method: 'get',
  path: '/admin/analytics',
  tags,
  security,
  middleware,
  summary: 'Signups and active users per day',
  request: { query: s.AnalyticsQuery },
  responses: { 200: jsonContent(successSchema(s.AnalyticsSchema), 'Daily series'), ...e(401, 403, 422) },
})
export const users = createRoute({
  method: 'get',
  path: '/admin/users',
  tags,
  security,
  middleware,
  summary: 'All users (paginated, filterable, sortable)',
  request: { query: UserListQuery },
  responses: { 200: jsonContent(pageSchema(UserSchema), 'A page of users'), ...e(401, 403, 422) },
})
export const setRole = createRoute({
  method: 'put',
  path: '/admin/users/{id}/role',
  tags,
  security,
  middleware,
  summary: 'Make a role the only role of a user',
  request: { params: UserIdParam, ...jsonBody(s.SetRoleBody) },
  responses: { 200: jsonContent(successSchema(UserSchema), 'Updated'), ...e(401, 403, 404, 409, 422) },
})
export const deleteUser = createRoute({
  method: 'delete',
  path: '/admin/users/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a user',
  request: { params: UserIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404, 409, 422) },
})
