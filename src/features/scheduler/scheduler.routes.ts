import { createRoute, z } from '@hono/zod-openapi'
import { authed, requireRole } from '../../lib/auth'
import { errorResponses, jsonContent, successSchema } from '../../lib/envelope'
import { PageQuery, pageSchema } from '../../lib/pagination'
import * as s from './scheduler.schemas'

const tags = ['Scheduler (admin)']
const security = [{ bearerAuth: [] }]
const middleware = authed(requireRole('admin'))
const e = errorResponses

export const list = createRoute({
  method: 'get',
  path: '/scheduler/jobs',
  tags,
  security,
  middleware,
  summary: 'System jobs with status, last and next run',
  responses: { 200: jsonContent(successSchema(z.array(s.SystemJobSchema)), 'Jobs'), ...e(401, 403) },
})
export const names = createRoute({
  method: 'get',
  path: '/scheduler/jobs/names',
  tags,
  security,
  middleware,
  summary: 'System job names',
  responses: { 200: jsonContent(successSchema(z.array(z.string())), 'Names'), ...e(401, 403) },
})
export const start = createRoute({
  method: 'post',
  path: '/scheduler/jobs/start',
  tags,
  security,
  middleware,
  summary: 'Start a system job (or all)',
  request: { query: s.NameQuery },
  responses: {
    200: jsonContent(successSchema(z.object({ started: z.array(z.string()) })), 'Started'),
    ...e(401, 403, 404),
  },
})
export const stop = createRoute({
  method: 'post',
  path: '/scheduler/jobs/stop',
  tags,
  security,
  middleware,
  summary: 'Stop a system job (or all)',
  request: { query: s.NameQuery },
  responses: {
    200: jsonContent(successSchema(z.object({ stopped: z.array(z.string()) })), 'Stopped'),
    ...e(401, 403, 404),
  },
})
export const trigger = createRoute({
  method: 'post',
  path: '/scheduler/jobs/{name}/trigger',
  tags,
  security,
  middleware,
  summary: 'Run a system job now and return its result',
  request: { params: s.NameParam },
  responses: { 200: jsonContent(successSchema(s.TriggerResultSchema), 'Result'), ...e(401, 403, 404) },
})
export const health = createRoute({
  method: 'get',
  path: '/scheduler/health-metrics',
  tags,
  security,
  middleware,
  summary: 'Recorded health checks of the last 24 h',
  responses: { 200: jsonContent(successSchema(z.record(z.string(), z.unknown())), 'Metrics'), ...e(401, 403) },
})
export const reports = createRoute({
  method: 'get',
  path: '/scheduler/daily-reports',
  tags,
  security,
  middleware,
  summary: 'Stored daily reports, newest first',
  request: { query: s.ReportsQuery },
  responses: { 200: jsonContent(successSchema(z.array(s.DailyReportSchema)), 'Reports'), ...e(401, 403, 422) },
})
export const adminJobs = createRoute({
  method: 'get',
  path: '/admin/jobs',
  tags: ['Admin'],
  security,
  middleware,
  summary: 'Every user’s cron jobs',
  request: { query: PageQuery },
  responses: { 200: jsonContent(pageSchema(s.AdminJobSchema), 'A page of jobs'), ...e(401, 403, 422) },
})
export const adminLogs = createRoute({
  method: 'get',
  path: '/admin/logs',
  tags: ['Admin'],
  security,
  middleware,
  summary: 'Every user’s executions',
  request: { query: PageQuery },
  responses: { 200: jsonContent(pageSchema(s.AdminExecutionSchema), 'A page of executions'), ...e(401, 403, 422) },
})
