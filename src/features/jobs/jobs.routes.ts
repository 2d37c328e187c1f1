import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './jobs.schemas'

const tags = ['Cron jobs']
const security = [{ bearerAuth: [] }]
const middleware = requireAuth()
const e = errorResponses
const Secret = successSchema(z.object({ signingSecret: z.string() }).openapi('SigningSecret'))
const JobIdParam = z.object({ jobId: z.uuid() })

export const signingSecret = createRoute({
  method: 'get',
  path: '/jobs/signing-secret',
  tags,
  security,
  middleware,
  summary: 'The secret that signs your outbound calls (Outpost-Signature)',
  responses: { 200: jsonContent(Secret, 'Secret'), ...e(401) },
})
export const rotateSecret = createRoute({
  method: 'post',
  path: '/jobs/signing-secret/rotate',
  tags,
  security,
  middleware,
  summary: 'Replace the signing secret',
  responses: { 200: jsonContent(Secret, 'New secret'), ...e(401) },
})
export const create = createRoute({
  method: 'post',
  path: '/jobs',
  tags,
  security,
  middleware,
  summary: 'Create an HTTP cron job',
  request: jsonBody(s.CreateJobBody),
  responses: { 201: jsonContent(successSchema(s.JobSchema), 'Created'), ...e(401, 403, 422) },
})
export const list = createRoute({
  method: 'get',
  path: '/jobs',
  tags,
  security,
  middleware,
  summary: 'Your jobs',
  request: { query: s.JobListQuery },
  responses: { 200: jsonContent(pageSchema(s.JobSchema), 'A page of jobs'), ...e(401, 422) },
})
export const get = createRoute({
  method: 'get',
  path: '/jobs/{id}',
  tags,
  security,
  middleware,
  summary: 'One of your jobs',
  request: { params: s.JobIdParam },
  responses: { 200: jsonContent(successSchema(s.JobSchema), 'Job'), ...e(401, 404, 422) },
})
export const update = createRoute({
  method: 'put',
  path: '/jobs/{id}',
  tags,
  security,
  middleware,
  summary: 'Change a job',
  request: { params: s.JobIdParam, ...jsonBody(s.UpdateJobBody) },
  responses: { 200: jsonContent(successSchema(s.JobSchema), 'Updated'), ...e(401, 404, 422) },
})
export const remove = createRoute({
  method: 'delete',
  path: '/jobs/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a job and its logs',
  request: { params: s.JobIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 404, 422) },
})
export const pause = createRoute({
  method: 'post',
  path: '/jobs/{id}/pause',
  tags,
  security,
  middleware,
  summary: 'Pause a job',
  request: { params: s.JobIdParam },
  responses: { 200: jsonContent(successSchema(s.JobSchema), 'Paused'), ...e(401, 404, 422) },
})
export const resume = createRoute({
  method: 'post',
  path: '/jobs/{id}/resume',
  tags,
  security,
  middleware,
  summary: 'Resume a job (counts against the plan)',
  request: { params: s.JobIdParam },
  responses: { 200: jsonContent(successSchema(s.JobSchema), 'Active'), ...e(401, 403, 404, 422) },
})
export const run = createRoute({
  method: 'post',
  path: '/jobs/{id}/run',
  tags,
  security,
  middleware,
  summary: 'Run a job now',
  request: { params: s.JobIdParam },
  responses: { 202: jsonContent(successSchema(s.ExecutionSchema), 'Queued'), ...e(401, 404, 409, 422) },
})
export const jobLogs = createRoute({
  method: 'get',
  path: '/jobs/{jobId}/logs',
  tags,
  security,
  middleware,
  summary: 'Executions of one job',
  request: { params: JobIdParam, query: s.LogListQuery },
  responses: { 200: jsonContent(pageSchema(s.ExecutionSchema), 'A page of executions'), ...e(401, 404, 422) },
})
export const logs = createRoute({
  method: 'get',
  path: '/logs',
  tags,
  security,
  middleware,
  summary: 'Executions of all your jobs',
  request: { query: s.LogListQuery },
  responses: { 200: jsonContent(pageSchema(s.ExecutionSchema), 'A page of executions'), ...e(401, 422) },
})
export const log = createRoute({
  method: 'get',
  path: '/logs/{id}',
  tags,
  security,
  middleware,
  summary: 'One execution',
  request: { params: s.JobIdParam },
  responses: { 200: jsonContent(successSchema(s.ExecutionSchema), 'Execution'), ...e(401, 404, 422) },
})
export const setPlan = createRoute({
  method: 'put',
  path: '/users/plan',
  tags,
  security,
  middleware,
  summary: 'Downgrade or cancel your plan (pauses the excess jobs); upgrades go through POST /payments/checkout',
  description:
    'An upgrade answers 402 PAYMENT_REQUIRED unless the caller is an admin. A subscriber is also moved down at Stripe.',
  request: jsonBody(s.PlanBody),
  responses: {
    200: jsonContent(successSchema(s.PlanChangeSchema), 'Plan changed'),
    ...e(401, 402, 422, 503),
  },
})
