import { createRoute } from '@hono/zod-openapi'
import { errorResponses, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './projects.schemas'

const tags = ['Projects']
const security = [{ bearerAuth: [] }]
// Access is membership, decided per project in the service (project-rules.ts): a project the
// caller may not see answers 404 like a missing one, a member without the right 403.
const middleware = requireAuth()
const e = errorResponses

export const list = createRoute({
  method: 'get',
  path: '/projects',
  tags,
  security,
  middleware,
  summary: 'Your projects (owned or member of), paginated, filterable, sortable',
  request: { query: s.ProjectListQuery },
  responses: { 200: jsonContent(pageSchema(s.ProjectListItemSchema), 'A page of projects'), ...e(401, 403, 422) },
})

export const create = createRoute({
  method: 'post',
  path: '/projects',
  tags,
  security,
  middleware,
  summary: 'Create a project; you become its owner',
  request: jsonBody(s.CreateProjectBody),
  responses: { 201: jsonContent(successSchema(s.ProjectListItemSchema), 'Created'), ...e(401, 422) },
})

export const get = createRoute({
  method: 'get',
  path: '/projects/{id}',
  tags,
  security,
  middleware,
  summary: 'A project with its owner, members and task counts by status (members and admins)',
  request: { params: s.ProjectIdParam },
  responses: { 200: jsonContent(successSchema(s.ProjectDetailSchema), 'The project'), ...e(401, 404, 422) },
})

export const update = createRoute({
  method: 'put',
  path: '/projects/{id}',
  tags,
  security,
  middleware,
  summary: 'Update or archive a project (owner and project admins)',
  request: { params: s.ProjectIdParam, ...jsonBody(s.UpdateProjectBody) },
  responses: { 200: jsonContent(successSchema(s.ProjectListItemSchema), 'Updated'), ...e(401, 403, 404, 422) },
})

export const remove = createRoute({
  method: 'delete',
  path: '/projects/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a project with its members and tasks (owner and project admins)',
  request: { params: s.ProjectIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404, 422) },
})
