import { createRoute, z } from '@hono/zod-openapi'
import { createRouter } from '../../lib/create-router'
import { errorResponses, jsonContent, ok, successSchema } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import { mailbox } from '../email/email.service'

const MailSchema = z
  .object({
    id: z.string(),
    to: z.email(),
    template: z.string(),
    subject: z.string(),
    text: z.string(),
    data: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'Structured template fields, e.g. `code` (OTP) or `token` (reset)' }),
    createdAt: z.iso.datetime(),
  })
  .openapi('MailboxEntry')

const route = createRoute({
  method: 'get',
  path: '/dev/mailbox',
  tags: ['Development'],
  summary: 'Mail stored by the `log` email provider (only when ENVIRONMENT=development)',
  request: { query: z.object({ to: z.email(), limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: { 200: jsonContent(successSchema(z.array(MailSchema)), 'Newest first'), ...errorResponses(404, 422) },
})

export const devRouter = createRouter().openapi(route, async (c) => {
  // Outside development the route does not exist, so it answers exactly like an unknown path.
  if (!c.get('config').isDev) throw new ApiError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`)
  const { to, limit } = c.req.valid('query')
  const rows = await mailbox(c.get('db'), to, limit)
  return ok(
    c,
    rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
  )
})
