import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses, jsonContent, successSchema } from '../../lib/envelope'
import { MailboxQuery, MailSchema } from './dev.schemas'

export const mailbox = createRoute({
  method: 'get',
  path: '/dev/mailbox',
  tags: ['Development'],
  summary: 'Mail stored by the `log` email provider (only when ENVIRONMENT=development)',
  request: { query: MailboxQuery },
  responses: { 200: jsonContent(successSchema(z.array(MailSchema)), 'Newest first'), ...errorResponses(404, 422) },
})
