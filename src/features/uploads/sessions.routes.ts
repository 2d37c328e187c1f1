import { createRoute } from '@hono/zod-openapi'
import { errorResponses as e, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { authed, requireAuth } from '../../lib/auth'
import * as s from './uploads.schemas'
import { uploadLimit } from './uploads.routes'

const tags = ['Uploads']
const security = [{ bearerAuth: [] }]
const middleware = authed()
const Session = jsonContent(successSchema(s.SessionSchema), 'The session and the parts it holds')

export const create = createRoute({
  method: 'post',
  path: '/uploads/sessions',
  tags,
  security,
  middleware: [requireAuth(), uploadLimit] as const,
  summary: 'Start a large upload (R2 multipart): send parts, then complete',
  description: 'Every part but the last must be `partSize` bytes. Sessions are aborted after 24 h.',
  request: jsonBody(s.NewSessionBody),
  responses: { 201: Session, ...e(401, 415, 422, 429) },
})

export const get = createRoute({
  method: 'get',
  path: '/uploads/sessions/{id}',
  tags,
  security,
  middleware,
  summary: 'A session and the parts it has, so a dropped upload resumes with the missing ones',
  request: { params: s.UploadIdParam },
  responses: { 200: Session, ...e(401, 404) },
})

export const putPart = createRoute({
  method: 'put',
  path: '/uploads/sessions/{id}/parts/{n}',
  tags,
  security,
  middleware,
  summary: 'Send part n (raw bytes with Content-Length); sending it again replaces it',
  request: { params: s.PartParam, body: s.octetBody },
  responses: { 200: Session, ...e(401, 404, 411, 413, 422) },
})

export const complete = createRoute({
  method: 'post',
  path: '/uploads/sessions/{id}/complete',
  tags,
  security,
  middleware,
  summary: 'Assemble the parts into a file (422 naming missing parts; 415 when its bytes are not an allowed type)',
  request: { params: s.UploadIdParam },
  responses: { 201: jsonContent(successSchema(s.UploadSchema), 'Stored'), ...e(401, 404, 415, 422) },
})

export const abort = createRoute({
  method: 'delete',
  path: '/uploads/sessions/{id}',
  tags,
  security,
  middleware,
  summary: 'Abort a session; R2 drops its parts',
  request: { params: s.UploadIdParam },
  responses: { 204: { description: 'Aborted' }, ...e(401, 404) },
})
