import { createRoute } from '@hono/zod-openapi'
import { authed, requireRole } from '../../lib/auth'
import { errorResponses, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import * as s from './dead-letters.schemas'

const tags = ['Admin']
const security = [{ bearerAuth: [] }]
const middleware = authed(requireRole('admin'))
const e = errorResponses

export const list = createRoute({
  method: 'get',
  path: '/admin/dead-letters',
  tags,
  security,
  middleware,
  summary: 'Messages that exhausted their retries (email-dlq, jobs-dlq), newest failure first',
  request: { query: s.DeadLetterListQuery },
  responses: { 200: jsonContent(pageSchema(s.DeadLetterSchema), 'A page of dead letters'), ...e(401, 403, 422) },
})

export const replay = createRoute({
  method: 'post',
  path: '/admin/dead-letters/{id}/replay',
  tags,
  security,
  middleware,
  summary: 'Send a dead letter back to its queue, once',
  description:
    'The body is sent unchanged, with its original id, so the consumer delivers it at most once. ' +
    'A dead letter is replayed once: asking again answers 409 and sends nothing.',
  request: { params: s.DeadLetterIdParam },
  responses: {
    202: jsonContent(successSchema(s.DeadLetterSchema), 'Sent to its queue'),
    ...e(401, 403, 404, 409, 422, 503),
  },
})
