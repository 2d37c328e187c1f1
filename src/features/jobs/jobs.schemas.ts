import { z } from '@hono/zod-openapi'
import { executions, HTTP_METHODS, jobs, PLANS } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { selectSchema } from '../../lib/table-schema'

/** The longest timeout any plan may allow: 5 minutes. */
export const MAX_TIMEOUT_MS = 300_000

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
  // Milliseconds, as seed 004 (`"timeout": 10000`). The 1 s floor makes a client still sending seconds get a 422,
  // not a job that times out at once; the plan caps it further (see PLAN_*).
  timeout: z
    .number()
    .int()
    .min(1000)
    .max(MAX_TIMEOUT_MS)
    .openapi({ description: 'Milliseconds (1000–300000), capped by the plan', example: 10_000 }),
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
    timeout: fields.timeout.default(10_000),
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

/** A job as its owner sees it: the row without the owner, plus the target type (not stored). */
export const JobSchema = selectSchema(jobs)
  .omit({ userId: true })
  .extend({
    targetType: z.literal('HTTP'),
    headers: z.record(z.string(), z.string()),
    timeout: z.number().int().openapi({ description: 'Milliseconds', example: 10_000 }),
  })
  .openapi('Job')

export const ExecutionSchema = selectSchema(executions).omit({ userId: true }).openapi('Execution')

export const JobListQuery = PageQuery.extend({ status: JobSchema.shape.status.optional() })
export const LogListQuery = PageQuery.extend({ status: ExecutionSchema.shape.status.optional() })
export const JobIdParam = z.object({ id: z.uuid() })
export const PlanBody = z.strictObject({ plan: z.enum(PLANS) }).openapi('SetPlan')
export const PlanChangeSchema = z.object({ plan: z.enum(PLANS), pausedJobIds: z.array(z.uuid()) }).openapi('PlanChange')
