import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses as e, jsonContent, successSchema } from '../../lib/envelope'
import { authed, requireAuth } from '../../lib/auth'
import { rateLimit } from '../../lib/rate-limit/middleware'
import { pageSchema, PageQuery } from '../../lib/pagination'
import { ProjectIdParam } from '../projects/projects.schemas'
import * as s from './uploads.schemas'

const tags = ['Uploads']
const security = [{ bearerAuth: [] }]
const middleware = authed()
/** Seed 001's upload limiter: RATE_LIMIT_UPLOADS (10 per hour) per user, on every route that stores a file. */
export const uploadLimit = rateLimit({ bucket: 'uploads', rule: (config) => config.RATE_LIMIT_UPLOADS })

export const uploadOne = createRoute({
  method: 'post',
  path: '/uploads',
  tags,
  security,
  middleware: [requireAuth(), uploadLimit] as const,
  summary: 'Upload one file (multipart field `file`), streamed to R2',
  description:
    'Optional fields `purpose` (avatar sets your avatarUrl) and `projectId`. 413 over UPLOAD_MAX_FILE_BYTES or ' +
    'UPLOAD_MAX_REQUEST_BYTES, 415 for a type outside UPLOAD_ALLOWED_TYPES (checked on the bytes), 429 past RATE_LIMIT_UPLOADS.',
  request: { body: s.multipartBody(false) },
  responses: { 201: jsonContent(successSchema(s.UploadSchema), 'Stored'), ...e(400, 401, 413, 415, 422, 429) },
})

export const uploadMany = createRoute({
  method: 'post',
  path: '/uploads/multiple',
  tags,
  security,
  middleware: [requireAuth(), uploadLimit] as const,
  summary: 'Upload up to 10 files (repeated multipart field `file`), streamed to R2; all or none are kept',
  request: { body: s.multipartBody(true) },
  responses: {
    201: jsonContent(successSchema(z.array(s.UploadSchema)), 'Stored'),
    ...e(400, 401, 413, 415, 422, 429),
  },
})

export const get = createRoute({
  method: 'get',
  path: '/uploads/{id}',
  tags,
  security,
  middleware,
  summary:
    "Download a file (yours, your projects', or any for admins): Range, ETag, Content-Disposition; ?size= for a thumbnail",
  request: { params: s.UploadIdParam, query: s.ThumbnailQuery },
  responses: {
    200: s.BinaryResponse,
    206: s.BinaryResponse,
    304: { description: 'Not modified' },
    ...e(401, 404, 416, 422),
  },
})

export const signedUrl = createRoute({
  method: 'get',
  path: '/uploads/{id}/url',
  tags,
  security,
  middleware,
  summary:
    'A short-lived signed URL to the file (or, with ?size=, its thumbnail) that needs no bearer token (for <img>)',
  request: { params: s.UploadIdParam, query: s.ThumbnailQuery },
  responses: { 200: jsonContent(successSchema(s.SignedUrlSchema), 'Signed URL'), ...e(401, 404, 422) },
})

export const content = createRoute({
  method: 'get',
  path: '/uploads/{id}/content',
  tags,
  summary: 'The file through a signed URL (no bearer token): 403 when tampered or expired',
  request: { params: s.UploadIdParam, query: s.SignedQuery },
  responses: { 200: s.BinaryResponse, 206: s.BinaryResponse, ...e(403, 404, 416, 422) },
})

export const remove = createRoute({
  method: 'delete',
  path: '/uploads/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a file and its record (yours, any in a project you manage, or any for admins)',
  request: { params: s.UploadIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404) },
})

export const projectFiles = createRoute({
  method: 'get',
  path: '/projects/{id}/files',
  tags,
  security,
  middleware,
  summary: "A project's files, newest first (its members; others get 404)",
  request: { params: ProjectIdParam, query: PageQuery },
  responses: { 200: jsonContent(pageSchema(s.UploadSchema), 'A page of files'), ...e(401, 404, 422) },
})
