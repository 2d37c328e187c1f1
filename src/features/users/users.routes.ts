import { createRoute } from '@hono/zod-openapi'
import { errorResponses, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth, requirePermission } from '../../lib/auth'
import { CreateUserBody, UpdateUserBody, UserIdParam, UserListQuery, UserSchema } from './users.schemas'

const tags = ['Users']
const security = [{ bearerAuth: [] }]

export const list = createRoute({
  method: 'get',
  path: '/users',
  tags,
  security,
  summary: 'List users (paginated, filterable, sortable)',
  middleware: [requireAuth(), requirePermission('users', 'read', { own: false })] as const,
  request: { query: UserListQuery },
  responses: { 200: jsonContent(pageSchema(UserSchema), 'A page of users'), ...errorResponses(401, 403, 422) },
})

export const create = createRoute({
  method: 'post',
  path: '/users',
  tags,
  security,
  summary: 'Create a user (admin)',
  middleware: [requireAuth(), requirePermission('users', 'create', { own: false })] as const,
  request: jsonBody(CreateUserBody),
  responses: { 201: jsonContent(successSchema(UserSchema), 'Created'), ...errorResponses(401, 403, 409, 422) },
})

export const get = createRoute({
  method: 'get',
  path: '/users/{id}',
  tags,
  security,
  summary: 'A user (your own, or any with users:read)',
  middleware: [requireAuth(), requirePermission('users', 'read')] as const,
  request: { params: UserIdParam },
  responses: { 200: jsonContent(successSchema(UserSchema), 'The user'), ...errorResponses(401, 403, 404, 422) },
})

export const update = createRoute({
  method: 'put',
  path: '/users/{id}',
  tags,
  security,
  summary: 'Update a user (your own name, or any with users:update)',
  middleware: [requireAuth(), requirePermission('users', 'update')] as const,
  request: { params: UserIdParam, ...jsonBody(UpdateUserBody) },
  responses: { 200: jsonContent(successSchema(UserSchema), 'Updated'), ...errorResponses(401, 403, 404, 409, 422) },
})

export const remove = createRoute({
  method: 'delete',
  path: '/users/{id}',
  tags,
  security,
  summary: 'Delete a user (admin)',
  middleware: [requireAuth(), requirePermission('users', 'delete', { own: false })] as const,
  request: { params: UserIdParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 409, 422) },
})
