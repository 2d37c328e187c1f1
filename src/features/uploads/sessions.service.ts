import { and, asc, eq, lt, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { uploadSessionParts, uploadSessions, uploads, users, type UploadSession } from '../../db/schema'
import type { Config } from '../../env'
import { ApiError } from '../../lib/errors'
import type { Principal } from '../../lib/types'
import { checkType, sanitizeName, SNIFF_BYTES } from './file-types'
import { PART_BYTES } from './r2-writer'
import { assertMayAttach, avatarPath, toUploadOut } from './uploads.service'
import { SessionSchema } from './uploads.schemas'
import type { z } from '@hono/zod-openapi'
import type { NewSessionBody } from './uploads.schemas'

/** R2 accepts parts up to 5 GiB; one request carrying more than this is not a resumable part. */
export const MAX_PART_BYTES = 100 * 1024 * 1024
/** Sessions older than this are aborted by the `upload-session-cleanup` system job. */
export const SESSION_TTL_HOURS = 24

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')

async function sessionOut(db: Database, session: UploadSession) {
  const parts = await db
    .select({ partNumber: uploadSessionParts.partNumber, size: uploadSessionParts.size, etag: uploadSessionParts.etag })
    .from(uploadSessionParts)
    .where(eq(uploadSessionParts.sessionId, session.id))
    .orderBy(asc(uploadSessionParts.partNumber))
  return { out: SessionSchema.decode({ ...session, partSize: PART_BYTES, parts }), parts }
}

/** Opens an R2 multipart upload. The declared type must be allowed; the bytes are checked at completion. */
export async function createSession(
  db: Database,
  config: Config,
  owner: Principal,
  body: z.infer<typeof NewSessionBody>,
) {
  const contentType = body.contentType.toLowerCase()
  if (body.projectId) await assertMayAttach(db, owner, body.projectId)
  if (!config.UPLOAD_ALLOWED_TYPES.includes(contentType)) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'This file type is not allowed', {
      allowed: config.UPLOAD_ALLOWED_TYPES,
    })
  }
  const key = `uploads/${owner.id}/${crypto.randomUUID()}`
  const upload = await config.bindings.UPLOADS.createMultipartUpload(key, { httpMetadata: { contentType } })
  const [row] = await db
    .insert(uploadSessions)
    .values({
      ownerId: owner.id,
      key,
      r2UploadId: upload.uploadId,
      originalName: sanitizeName(body.filename, contentType),
      contentType,
      purpose: body.purpose,
      projectId: body.projectId ?? null,
    })
    .returning()
  return (await sessionOut(db, row!)).out
}

/** The caller's own session; anyone else's is 404. */
async function ownSession(db: Database, owner: Principal, id: string) {
  const [row] = await db
    .select()
    .from(uploadSessions)
    .where(and(eq(uploadSessions.id, id), eq(uploadSessions.ownerId, owner.id)))
  if (!row) throw ApiError.notFound('Upload session')
  return row
}

export const getSession = async (db: Database, owner: Principal, id: string) =>
  (await sessionOut(db, await ownSession(db, owner, id))).out

/** Stores part `n` (sending it again replaces it), so a client resumes by sending what the session lacks. */
export async function putPart(
  db: Database,
  config: Config,
  owner: Principal,
  id: string,
  n: number,
  req: { body: ReadableStream | null; contentLength?: string },
) {
  const session = await ownSession(db, owner, id)
  const size = Number(req.contentLength)
  if (!req.body || !Number.isInteger(size) || size < 1) {
    throw new ApiError('BAD_REQUEST', 'A part needs a body with Content-Length', undefined, 411)
  }
  if (size > MAX_PART_BYTES) {
    throw new ApiError('PAYLOAD_TOO_LARGE', `A part exceeds ${MAX_PART_BYTES} bytes`, { maxBytes: MAX_PART_BYTES })
  }
  const [{ others }] = (await db
    .select({ others: sql<number>`coalesce(sum(${uploadSessionParts.size}), 0)::bigint` })
    .from(uploadSessionParts)
    .where(and(eq(uploadSessionParts.sessionId, id), sql`${uploadSessionParts.partNumber} <> ${n}`))) as [
    { others: number },
  ]
  if (Number(others) + size > config.UPLOAD_SESSION_MAX_BYTES) {
    throw new ApiError('PAYLOAD_TOO_LARGE', `The file exceeds ${config.UPLOAD_SESSION_MAX_BYTES} bytes`, {
      maxBytes: config.UPLOAD_SESSION_MAX_BYTES,
    })
  }
  const upload = config.bindings.UPLOADS.resumeMultipartUpload(session.key, session.r2UploadId)
  const body = declaredLength(req.body, size)
  const part = await upload.uploadPart(n, body.stream).catch((err: unknown) => {
    if (body.broken(err)) throw ApiError.badRequest(`The part's body broke off or was not ${size} bytes`)
    throw err
  })
  await db
    .insert(uploadSessionParts)
    .values({ sessionId: id, partNumber: n, etag: part.etag, size })
    .onConflictDoUpdate({
      target: [uploadSessionParts.sessionId, uploadSessionParts.partNumber],
      set: { etag: part.etag, size, uploadedAt: sql`now()` },
    })
  return (await sessionOut(db, session)).out
}

/**
 * `body` as a stream of exactly `size` bytes, which R2 needs to know up front whatever the client sent (a request
 * body is one only with a Content-Length). `broken(err)` says whether R2's failure `err` was the client's doing,
 * its mistake (400) rather than R2 failing: the body broke off (the client went away) or held another number of
 * bytes than it declared. The pipe between the two is the runtime's own: the bytes never pass through JavaScript.
 */
function declaredLength(body: ReadableStream<Uint8Array>, size: number) {
  const fixed = new FixedLengthStream(size)
  let settled = false
  let brokeOff = false
  // A body that breaks off fails the pipe at once; when R2 fails first, the pipe fails after it, not the client.
  body.pipeTo(fixed.writable).catch(() => {
    brokeOff = !settled
  })
  return {
    stream: fixed.readable,
    broken: (err: unknown) => {
      settled = true
      // The length check is this stream's own: its errors mean the body held more or fewer bytes than declared.
      return brokeOff || (err instanceof Error && err.message.startsWith('FixedLengthStream'))
    },
  }
}

/**
 * Assembles parts 1..k into the object, then checks its first bytes against the allow-list and
 * hashes it (streamed). A gap in the parts is 422 naming the missing ones; a refused type removes
 * the object and the session, leaving nothing behind.
 */
export async function completeSession(db: Database, config: Config, owner: Principal, id: string) {
  const session = await ownSession(db, owner, id)
  const { parts } = await sessionOut(db, session)
  const last = parts.at(-1)?.partNumber ?? 0
  const have = new Set(parts.map((p) => p.partNumber))
  const missing = Array.from({ length: last }, (_, i) => i + 1).filter((n) => !have.has(n))
  if (!parts.length || missing.length)
    throw ApiError.validation(
      { parts: missing.length ? `missing ${missing.join(', ')}` : 'none uploaded' },
      'The upload is incomplete',
    )
  const bucket = config.bindings.UPLOADS
  const upload = bucket.resumeMultipartUpload(session.key, session.r2UploadId)
  try {
    await upload.complete(parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })))
  } catch (err) {
    throw ApiError.validation(
      { parts: `R2 refused them: ${err instanceof Error ? err.message : err}` },
      'Every part but the last must be the same size (at least 5 MiB)',
    )
  }
  const size = parts.reduce((sum, p) => sum + p.size, 0)
  try {
    const head = await bucket.get(session.key, { range: { offset: 0, length: SNIFF_BYTES } })
    const contentType = checkType(
      new Uint8Array(await head!.arrayBuffer()),
      session.contentType,
      config.UPLOAD_ALLOWED_TYPES,
    )
    if (session.purpose === 'avatar' && !contentType.startsWith('image/'))
      throw ApiError.validation({ purpose: 'an avatar is one image' })
    const object = await bucket.get(session.key)
    const digest = new crypto.DigestStream('SHA-256')
    await object!.body.pipeTo(digest)
    const [row] = await db
      .insert(uploads)
      .values({
        ownerId: owner.id,
        projectId: session.projectId,
        purpose: session.purpose,
        key: session.key,
        originalName: session.originalName,
        contentType,
        size,
        sha256: hex(await digest.digest),
      })
      .returning()
    await db.delete(uploadSessions).where(eq(uploadSessions.id, id))
    if (session.purpose === 'avatar')
      await db
        .update(users)
        .set({ avatarUrl: avatarPath(row!.id) })
        .where(eq(users.id, owner.id))
    return toUploadOut(row!)
  } catch (err) {
    await bucket.delete(session.key)
    await db.delete(uploadSessions).where(eq(uploadSessions.id, id))
    throw err
  }
}

export async function abortSession(db: Database, config: Config, owner: Principal, id: string) {
  const session = await ownSession(db, owner, id)
  await config.bindings.UPLOADS.resumeMultipartUpload(session.key, session.r2UploadId).abort()
  await db.delete(uploadSessions).where(eq(uploadSessions.id, id))
}

/** Aborts every session opened more than 24 h before `now` (R2 frees its parts) and deletes its rows. */
export async function abortStaleSessions(db: Database, config: Config, now: Date) {
  const stale = await db
    .select()
    .from(uploadSessions)
    .where(lt(uploadSessions.createdAt, new Date(now.getTime() - SESSION_TTL_HOURS * 3600_000)))
  for (const s of stale) {
    // An upload R2 already expired or completed cannot be aborted; the row goes either way.
    await config.bindings.UPLOADS.resumeMultipartUpload(s.key, s.r2UploadId)
      .abort()
      .catch(() => {})
    await db.delete(uploadSessions).where(eq(uploadSessions.id, s.id))
  }
  return stale.length
}
