import { z } from '@hono/zod-openapi'
import { HTTP_METHODS, PLANS } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'

// Headers the service sets itself, or that a target must not be able to steer.
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'outpost-signature',
  'idempotency-key',
  'user-agent',
  'cookie',
])

const Headers = z
  .record(
    z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'header names are letters, digits and -'),
    // Visible ASCII, spaces and tabs: anything else is refused by fetch at call time.
    z
      .string()
      .max(2048)
      .regex(/^[\t\x20-\x7e]*$/, 'header values are printable ASCII'),
  )
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers')
  .refine(
    (h) => Object.keys(h).every((k) => !RESERVED_HEADERS.has(k.toLowerCase())),
    `reserved headers: ${[...RESERVED_HEADERS].join(', ')}`,
  )

const fields = {
  name: z.string().trim().min(1).max(100),
  cronExpression: z.string().trim().min(9).max(100).openapi({ example: '*/5 * * * *' }),
  timezone: z.string().trim().min(1).max(64).openapi({ example: 'Europe/Paris' }),
  targetType: z.literal('HTTP'),
  targetUrl: z.string().trim().max(2048).openapi({ example: 'https://example.com/hooks/nightly' }),
  httpMethod: z.enum(HTTP_METHODS),
  headers: Headers,
  body: z.string().max(65_536).nullable(),
  timeout: z.number().int().min(1).max(300).openapi({ description: 'Seconds' }),
  maxRetries: z.number().int().min(0).max(20),
}

export const CreateJobBody = z
  .strictObject({
    ...fields,
    timezone: fields.timezone.default('UTC'),
    targetType: fields.targetType.default('HTTP'),
    httpMethod: fields.httpMethod.default('GET'),
    headers: fields.headers.default({}),
    body: fields.body.optional(),
    timeout: fields.timeout.default(10),
    maxRetries: fields.maxRetries.default(0),
  })
  .openapi('CreateJob')
export type CreateJobInput = z.infer<typeof CreateJobBody>

export const UpdateJobBody = z
  .strictObject(
    Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]>
    },
  )
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'give at least one field')
  .openapi('UpdateJob')
export type UpdateJobInput = z.infer<typeof UpdateJobBody>

export const JobSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    cronExpression: z.string(),
    timezone: z.string(),
    targetType: z.literal('HTTP'),
    targetUrl: z.string(),
    httpMethod: z.enum(HTTP_METHODS),
    headers: z.record(z.string(), z.string()),
    body: z.string().nullable(),
    timeout: z.number().int(),
    maxRetries: z.number().int(),
    status: z.enum(['ACTIVE', 'PAUSED']),
    pausedReason: z.string().nullable(),
    nextRunAt: z.iso.datetime().nullable(),
    lastRunAt: z.iso.datetime().nullable(),
    lastStatus: z.enum(['SUCCESS', 'FAILED']).nullable(),
    consecutiveFailures: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Job')

export const ExecutionSchema = z
  .object({
    id: z.uuid(),
    jobId: z.uuid(),
    scheduledFor: z.iso.datetime(),
    trigger: z.enum(['SCHEDULE', 'MANUAL']),
    status: z.enum(['PENDING', 'RUNNING', 'RETRYING', 'SUCCESS', 'FAILED']),
    attempt: z.number().int(),
    httpStatus: z.number().int().nullable(),
    durationMs: z.number().int().nullable(),
    error: z.string().nullable(),
    errorMessage: z.string().nullable(),
    responseBody: z.string().nullable(),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .openapi('Execution')

export const JobListQuery = PageQuery.extend({ status: z.enum(['ACTIVE', 'PAUSED']).optional() })
export const LogListQuery = PageQuery.extend({
  status: z.enum(['PENDING', 'RUNNING', 'RETRYING', 'SUCCESS', 'FAILED']).optional(),
})
export const JobIdParam = z.object({ id: z.uuid() })
export const PlanBody = z.strictObject({ plan: z.enum(PLANS) }).openapi('SetPlan')
