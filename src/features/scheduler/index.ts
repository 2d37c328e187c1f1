import { createRoute, z } from '@hono/zod-openapi'
import { createRouter } from '../../lib/create-router'
import { errorResponses, jsonContent, ok, page, successSchema } from '../../lib/envelope'
import { pageSchema, PageQuery } from '../../lib/pagination'
import { authed, requireRole } from '../../lib/auth'
import { ExecutionSchema, JobSchema } from '../jobs/jobs.schemas'
import { allExecutions, allJobs } from './admin-cron.service'
import * as svc from './scheduler.service'

const tags = ['Scheduler (admin)']
const security = [{ bearerAuth: [] }]
const middleware = authed(requireRole('admin'))
const e = errorResponses
const NameQuery = z.object({
  name: z.string().max(64).optional().openapi({ description: 'One job; all jobs when omitted' }),
})

const SystemJobSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    schedule: z.string(),
    status: z.enum(['running', 'stopped']),
    lastRunAt: z.iso.datetime().nullable(),
    nextRunAt: z.iso.datetime().nullable(),
    lastDurationMs: z.number().int().nullable(),
    lastStatus: z.enum(['ok', 'error']).nullable(),
    lastError: z.string().nullable(),
  })
  .openapi('SystemJob')

const routes = {
  list: createRoute({
    method: 'get',
    path: '/scheduler/jobs',
    tags,
    security,
    middleware,
    summary: 'System jobs with status, last and next run',
    responses: { 200: jsonContent(successSchema(z.array(SystemJobSchema)), 'Jobs'), ...e(401, 403) },
  }),
  names: createRoute({
    method: 'get',
    path: '/scheduler/jobs/names',
    tags,
    security,
    middleware,
    summary: 'System job names',
    responses: { 200: jsonContent(successSchema(z.array(z.string())), 'Names'), ...e(401, 403) },
  }),
  start: createRoute({
    method: 'post',
    path: '/scheduler/jobs/start',
    tags,
    security,
    middleware,
    summary: 'Start a system job (or all)',
    request: { query: NameQuery },
    responses: {
      200: jsonContent(successSchema(z.object({ started: z.array(z.string()) })), 'Started'),
      ...e(401, 403, 404),
    },
  }),
  stop: createRoute({
    method: 'post',
    path: '/scheduler/jobs/stop',
    tags,
    security,
    middleware,
    summary: 'Stop a system job (or all)',
    request: { query: NameQuery },
    responses: {
      200: jsonContent(successSchema(z.object({ stopped: z.array(z.string()) })), 'Stopped'),
      ...e(401, 403, 404),
    },
  }),
  trigger: createRoute({
    method: 'post',
    path: '/scheduler/jobs/{name}/trigger',
    tags,
    security,
    middleware,
    summary: 'Run a system job now and return its result',
    request: { params: z.object({ name: z.string().max(64) }) },
    responses: {
      200: jsonContent(
        successSchema(
          z.object({
            name: z.string(),
            status: z.enum(['ok', 'error']),
            durationMs: z.number().int(),
            error: z.string().nullable(),
            result: z.record(z.string(), z.unknown()),
          }),
        ),
        'Result',
      ),
      ...e(401, 403, 404),
    },
  }),
  health: createRoute({
    method: 'get',
    path: '/scheduler/health-metrics',
    tags,
    security,
    middleware,
    summary: 'Recorded health checks of the last 24 h',
    responses: { 200: jsonContent(successSchema(z.record(z.string(), z.unknown())), 'Metrics'), ...e(401, 403) },
  }),
  reports: createRoute({
    method: 'get',
    path: '/scheduler/daily-reports',
    tags,
    security,
    middleware,
    summary: 'Stored daily reports, newest first',
    request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(30) }) },
    responses: {
      200: jsonContent(
        successSchema(
          z.array(z.object({ day: z.string(), data: z.record(z.string(), z.unknown()), createdAt: z.iso.datetime() })),
        ),
        'Reports',
      ),
      ...e(401, 403, 422),
    },
  }),
  adminJobs: createRoute({
    method: 'get',
    path: '/admin/jobs',
    tags: ['Admin'],
    security,
    middleware,
    summary: 'Every user’s cron jobs',
    request: { query: PageQuery },
    responses: {
      200: jsonContent(pageSchema(JobSchema.extend({ userId: z.uuid() })), 'A page of jobs'),
      ...e(401, 403, 422),
    },
  }),
  adminLogs: createRoute({
    method: 'get',
    path: '/admin/logs',
    tags: ['Admin'],
    security,
    middleware,
    summary: 'Every user’s executions',
    request: { query: PageQuery },
    responses: {
      200: jsonContent(pageSchema(ExecutionSchema.extend({ userId: z.uuid() })), 'A page of executions'),
      ...e(401, 403, 422),
    },
  }),
}

export const schedulerRouter = createRouter()
  .openapi(routes.names, (c) => ok(c, svc.listSystemJobNames()))
  .openapi(routes.list, async (c) => ok(c, await svc.listSystemJobs(c.get('db'))))
  .openapi(routes.start, async (c) =>
    ok(c, { started: await svc.setEnabled(c.get('db'), true, c.req.valid('query').name) }),
  )
  .openapi(routes.stop, async (c) =>
    ok(c, { stopped: await svc.setEnabled(c.get('db'), false, c.req.valid('query').name) }),
  )
  .openapi(routes.trigger, async (c) =>
    ok(c, await svc.triggerSystemJob(c.get('db'), c.get('config'), c.req.valid('param').name)),
  )
  .openapi(routes.health, async (c) => ok(c, await svc.healthMetrics(c.get('db'))))
  .openapi(routes.reports, async (c) => ok(c, await svc.listDailyReports(c.get('db'), c.req.valid('query').limit)))
  .openapi(routes.adminJobs, async (c) => {
    const { data, meta } = await allJobs(c.get('db'), c.req.valid('query'))
    return page(c, data, meta)
  })
  .openapi(routes.adminLogs, async (c) => {
    const { data, meta } = await allExecutions(c.get('db'), c.req.valid('query'))
    return page(c, data, meta)
  })
