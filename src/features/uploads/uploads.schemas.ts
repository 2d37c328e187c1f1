import { z } from '@hono/zod-openapi'
import { UPLOAD_PURPOSES, uploads, uploadSessions } from '../../db/schema'
import { isoDate, selectSchema } from '../../lib/table-schema'

export const UploadSchema = selectSchema(uploads).omit({ key: true }).openapi('Upload')

/** The form fields besides the file(s); unknown fields are refused (no mass assignment). */
export const UploadFields = z.strictObject({
  purpose: z.enum(UPLOAD_PURPOSES).default('attachment'),
  projectId: z.uuid().optional(),
})

export const UploadIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })

// Plain OpenAPI objects, not zod: a zod schema would make the router parse (buffer) the whole body
// before the handler runs, and uploads are streamed.
const binary = { type: 'string', format: 'binary' } as const
export const multipartBody = (many: boolean) => ({
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object' as const,
        required: ['file'],
        properties: {
          file: many ? { type: 'array' as const, items: binary, maxItems: 10 } : binary,
          purpose: { type: 'string' as const, enum: [...UPLOAD_PURPOSES], default: 'attachment' },
          projectId: { type: 'string' as const, format: 'uuid' },
        },
      },
    },
  },
  required: true,
})
export const octetBody = { content: { 'application/octet-stream': { schema: binary } }, required: true }

export const BinaryResponse = {
  description: 'The file (206 with a Range; 304 when If-None-Match matches)',
  content: { 'application/octet-stream': { schema: binary } },
}

export const SignedUrlSchema = z
  .object({ url: z.string(), expiresAt: isoDate })
  .openapi('SignedUploadUrl', { description: 'Works without a bearer token until expiresAt' })

/** `?size=100|300|600`: a thumbnail of an image upload instead of the file itself. */
export const ThumbnailQuery = z.object({
  size: z
    .enum(['100', '300', '600'])
    .transform((v) => Number(v) as 100 | 300 | 600)
    .optional()
    .openapi({ description: 'A WebP thumbnail no larger than this many pixels (images only)' }),
})

export const SignedQuery = ThumbnailQuery.extend({
  expires: z.coerce.number().int().openapi({ description: 'Unix seconds' }),
  sig: z.string().max(100),
})

export const NewSessionBody = z
  .strictObject({
    filename: z.string().min(1).max(255),
    contentType: z.string().min(3).max(100),
    purpose: z.enum(UPLOAD_PURPOSES).default('attachment'),
    projectId: z.uuid().optional(),
  })
  .openapi('NewUploadSession')

export const PartParam = UploadIdParam.extend({
  n: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .openapi({ param: { name: 'n', in: 'path' } }),
})

export const SessionSchema = selectSchema(uploadSessions)
  .omit({ key: true, r2UploadId: true })
  .extend({
    partSize: z.number().int().openapi({ description: 'Bytes of every part but the last' }),
    parts: z.array(z.object({ partNumber: z.number().int(), size: z.number().int(), etag: z.string() })),
  })
  .openapi('UploadSession')
