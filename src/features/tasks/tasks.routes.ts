import { createRoute } from '@hono/zod-openapi'
import { errorResponses, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import { ProjectIdParam } from '../projects/projects.schemas'
import * as s from './tasks.schemas'

const tags = ['Tasks']
const security = [{ bearerAuth: [] }]
// Who may do what is the project's membership (projects/project-rules.ts), decided in the service.
const middleware = requireAuth()
const e = errorResponses

export const list = createRoute({
  method: 'get',
  path: '/projects/{id}/tasks',
  tags,
  security,
  middleware,
  summary: "A project's tasks, filtered by status, priority, assignee, tag and due date",
  request: { params: ProjectIdParam, query: s.TaskListQuery },
  responses: { 200: jsonContent(pageSchema(s.TaskSchema), 'A page of tasks'), ...e(401, 404, 422) },
})

export const create = createRoute({
  method: 'post',
  path: '/projects/{id}/tasks',
  tags,
  security,
  middleware,
  summary: 'Create a task (members, not viewers); published as task.created on project:<id>',
  request: { params: ProjectIdParam, ...jsonBody(s.CreateTaskBody) },
  responses: { 201: jsonContent(successSchema(s.TaskSchema), 'Created'), ...e(401, 403, 404, 409, 422) },
})

export const get = createRoute({
  method: 'get',
  path: '/tasks/{id}',
  tags,
  security,
  middleware,
  summary: 'A task (members of its project)',
  request: { params: s.TaskIdParam },
  responses: { 200: jsonContent(successSchema(s.TaskSchema), 'The task'), ...e(401, 404, 422) },
})

export const replace = createRoute({
  method: 'put',
  path: '/tasks/{id}',
  tags,
  security,
  middleware,
  summary: 'Replace a task: omitted fields go back to their defaults (members and the assignee)',
  request: { params: s.TaskIdParam, ...jsonBody(s.CreateTaskBody) },
  responses: { 200: jsonContent(successSchema(s.TaskSchema), 'Updated'), ...e(401, 403, 404, 409, 422) },
})

export const patch = createRoute({
  method: 'patch',
  path: '/tasks/{id}',
  tags,
  security,
  middleware,
  summary: 'Change some fields of a task (members and the assignee); published as task.updated',
  request: { params: s.TaskIdParam, ...jsonBody(s.PatchTaskBody) },
  responses: { 200: jsonContent(successSchema(s.TaskSchema), 'Updated'), ...e(401, 403, 404, 409, 422) },
})

export const remove = createRoute({
  method: 'delete',
  path: '/tasks/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a task (project owner and admins, or its creator)',
  request: { params: s.TaskIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404, 409, 422) },
})
