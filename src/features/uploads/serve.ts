import type { Upload } from '../../db/schema'
import type { Config } from '../../env'
import { hmacSha256, timingSafeEqual } from '../../lib/crypto'
import { ApiError } from '../../lib/errors'

/** Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266); images open inline. */
function disposition(row: Upload) {
  const kind = row.contentType.startsWith('image/') || row.contentType === 'application/pdf' ? 'inline' : 'attachment'
  const ascii = row.originalName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(row.originalName)}`
}

/**
 * Streams an upload from R2 with its type, ETag, Content-Disposition and byte ranges (206), and
 * answers conditional requests (304). The object's body is passed through, never read here.
 */
export async function serveUpload(config: Config, row: Upload, request: Request) {
  let object: R2Object | R2ObjectBody | null
  try {
    object = await config.bindings.UPLOADS.get(row.key, { range: request.headers, onlyIf: request.headers })
  } catch {
    throw new ApiError('BAD_REQUEST', 'Range not satisfiable', { size: row.size }, 416).withHeaders({
      'Content-Range': `bytes */${row.size}`,
    })
  }
  if (!object) throw ApiError.notFound('Upload')
  const headers = new Headers({
    'Content-Type': row.contentType,
    ETag: object.httpEtag,
    'Accept-Ranges': 'bytes',
    'Content-Disposition': disposition(row),
    'Cache-Control': 'private, max-age=300',
    // A user's file must never run as a page of this origin.
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'X-Content-Type-Options': 'nosniff',
  })
  if (!('body' in object)) return new Response(null, { status: 304, headers })
  const range = object.range as { offset?: number; length?: number; suffix?: number } | undefined
  if (range && request.headers.has('range')) {
    const length = range.suffix ?? range.length ?? object.size - (range.offset ?? 0)
    const start = range.suffix !== undefined ? object.size - range.suffix : (range.offset ?? 0)
    headers.set('Content-Range', `bytes ${start}-${start + length - 1}/${object.size}`)
    headers.set('Content-Length', String(length))
    return new Response(object.body, { status: 206, headers })
  }
  headers.set('Content-Length', String(object.size))
  return new Response(object.body, { status: 200, headers })
}

/** Seed 001's thumbnail widths, in pixels. */
export const THUMBNAIL_SIZES = [100, 300, 600] as const
export type ThumbnailSize = (typeof THUMBNAIL_SIZES)[number]

const THUMBNAILABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** Where a thumbnail is kept, beside its original. */
export const thumbnailKey = (key: string, size: ThumbnailSize) => `${key}.thumb-${size}.webp`

/**
 * A WebP no wider or taller than `size`, made through the Images binding on first request and kept
 * in R2, so later requests (and their ranges and ETags) are served like any upload. Without the
 * binding, the original is served.
 */
export async function serveThumbnail(config: Config, row: Upload, size: ThumbnailSize, request: Request) {
  if (!THUMBNAILABLE.has(row.contentType))
    throw ApiError.validation({ size: `${row.contentType} has no thumbnail` }, 'Thumbnails are made of images only')
  const images = config.bindings.IMAGES
  if (!images) return serveUpload(config, row, request)
  const key = thumbnailKey(row.key, size)
  const thumb = { ...row, key, contentType: 'image/webp', originalName: `${row.originalName}.${size}.webp` }
  if (!(await config.bindings.UPLOADS.head(key))) {
    const original = await config.bindings.UPLOADS.get(row.key)
    if (!original) throw ApiError.notFound('Upload')
    // The type was checked on the first bytes only: a file that is not a whole image cannot be scaled.
    const webp = await images
      .input(original.body)
      .transform({ width: size, height: size, fit: 'scale-down' })
      .output({ format: 'image/webp' })
      .then((out) => out.response().arrayBuffer())
      .catch(() => {
        throw ApiError.validation({ size: 'this file cannot be decoded as an image' }, 'No thumbnail of this file')
      })
    await config.bindings.UPLOADS.put(key, webp, { httpMetadata: { contentType: 'image/webp' } })
  }
  const stored = await config.bindings.UPLOADS.head(key)
  return serveUpload(config, { ...thumb, size: stored?.size ?? 0 }, request)
}

// The URL key is derived from JWT_SECRET with a label, so a token signature can never pass as a URL one.
const signature = (config: Config, id: string, expires: number) =>
  hmacSha256(config.JWT_SECRET, `upload-url:${id}:${expires}`)

/** A path to the upload's content that works without a bearer token until it expires. */
export async function signedPath(config: Config, id: string, now = Date.now()) {
  const expires = Math.floor(now / 1000) + config.UPLOAD_URL_TTL_SECONDS
  const sig = await signature(config, id, expires)
  return { path: `/api/v1/uploads/${id}/content?expires=${expires}&sig=${sig}`, expiresAt: new Date(expires * 1000) }
}

/** 403 for a tampered or expired link; checked before the upload is looked up, so it says nothing of it. */
export async function checkSignature(config: Config, id: string, expires: number, sig: string) {
  const valid = timingSafeEqual(await signature(config, id, expires), sig)
  if (!valid) throw ApiError.forbidden('This link is invalid')
  if (expires * 1000 < Date.now()) throw ApiError.forbidden('This link has expired')
}
