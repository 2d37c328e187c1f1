import { and, desc, eq, or, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { projectMembers, uploads, users, type Upload } from '../../db/schema'
import type { Config } from '../../env'
import { ApiError } from '../../lib/errors'
import { offsetOf, toPage, totalRows, type PageQuery } from '../../lib/pagination'
import type { Principal } from '../../lib/types'
import { assertAllowed, assertWritable } from '../projects/project-rules'
import { loadProject } from '../projects/projects.service'
import { sanitizeName } from './file-types'
import { boundaryOf, MultipartReader } from './multipart'
import { writeStream, type Stored } from './r2-writer'
import { THUMBNAIL_SIZES, thumbnailKey } from './serve'
import { UploadFields, UploadSchema } from './uploads.schemas'

export const avatarPath = (id: string) => `/api/v1/uploads/${id}`
export const toUploadOut = (row: Upload) => UploadSchema.decode(row)
const isAdmin = (caller: Principal) => caller.roles.includes('admin')

type Incoming = { body: ReadableStream<Uint8Array> | null; contentType?: string; contentLength?: string }

/**
 * Receives `multipart/form-data` with up to `maxFiles` files in field `file` and the optional
 * fields `purpose` and `projectId`, streaming each file to R2 as it arrives. Rows are written only
 * once every file is stored; any refusal deletes what this request stored, so nothing is left behind.
 */
export async function receive(db: Database, config: Config, owner: Principal, req: Incoming, maxFiles: number) {
  const bucket = config.bindings.UPLOADS
  const boundary = boundaryOf(req.contentType)
  const max = config.UPLOAD_MAX_REQUEST_BYTES
  if (Number(req.contentLength) > max + 64 * 1024) {
    throw new ApiError('PAYLOAD_TOO_LARGE', `The request exceeds ${max} bytes`, { maxBytes: max })
  }
  if (!req.body) throw ApiError.validation({ file: 'is required' })
  const reader = new MultipartReader(req.body, boundary)
  const budget = { left: max, max }
  const stored: (Stored & { originalName: string })[] = []
  const fields: Record<string, string> = {}
  try {
    for (let part = await reader.next(); part; part = await reader.next()) {
      if (part.filename === undefined) {
        fields[part.name] = await reader.readText(200)
        continue
      }
      if (part.name !== 'file') throw ApiError.validation({ [part.name]: 'unknown file field; send files as `file`' })
      if (stored.length >= maxFiles) throw ApiError.validation({ file: `at most ${maxFiles} file(s) per request` })
      const key = `uploads/${owner.id}/${crypto.randomUUID()}`
      const file = await writeStream(bucket, key, () => reader.read(), part.contentType, {
        allowed: config.UPLOAD_ALLOWED_TYPES,
        maxFileBytes: config.UPLOAD_MAX_FILE_BYTES,
        budget,
      })
      stored.push({ ...file, originalName: sanitizeName(part.filename, file.contentType) })
    }
    const parsed = UploadFields.safeParse(fields)
    if (!parsed.success) {
      throw ApiError.validation(Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message])))
    }
    const { purpose, projectId } = parsed.data
    if (!stored.length) throw ApiError.validation({ file: 'is required' })
    if (projectId) await assertMayAttach(db, owner, projectId)
    if (purpose === 'avatar' && (stored.length > 1 || !stored[0]!.contentType.startsWith('image/'))) {
      throw ApiError.validation({ purpose: 'an avatar is one image' })
    }
    const rows = await db
      .insert(uploads)
      .values(stored.map((f) => ({ ...f, ownerId: owner.id, purpose, projectId: projectId ?? null })))
      .returning()
    if (purpose === 'avatar') {
      await db
        .update(users)
        .set({ avatarUrl: avatarPath(rows[0]!.id) })
        .where(eq(users.id, owner.id))
    }
    return rows.map(toUploadOut)
  } catch (err) {
    await reader.cancel()
    if (stored.length) await bucket.delete(stored.map((f) => f.key))
    throw err
  }
}

/** Files go to a project whose members write tasks (not viewers), while it is active; others' projects are 404. */
export async function assertMayAttach(db: Database, caller: Principal, projectId: string) {
  const { project, standing } = await loadProject(db, caller, projectId)
  assertAllowed(standing, 'writeTasks')
  assertWritable(project)
}

/**
 * An upload the caller may read: their own, one of a project they are a member of, or any for an
 * admin. Others (and unknown ids) are 404.
 */
export async function visibleUpload(db: Database, caller: Principal, id: string) {
  const member = sql`exists (select 1 from ${projectMembers} where ${projectMembers.projectId} = ${uploads.projectId} and ${projectMembers.userId} = ${caller.id})`
  const [row] = await db
    .select()
    .from(uploads)
    .where(and(eq(uploads.id, id), isAdmin(caller) ? undefined : or(eq(uploads.ownerId, caller.id), member)))
  if (!row) throw ApiError.notFound('Upload')
  return row
}

/** A project's files, newest first, for its members. */
export async function listProjectFiles(db: Database, caller: Principal, projectId: string, q: PageQuery) {
  await loadProject(db, caller, projectId)
  const where = eq(uploads.projectId, projectId)
  const rows = await db
    .select({ upload: uploads, total: totalRows })
    .from(uploads)
    .where(where)
    .orderBy(desc(uploads.createdAt), desc(uploads.id))
    .limit(q.limit)
    .offset(offsetOf(q))
  return toPage(
    rows,
    q,
    (r) => toUploadOut(r.upload),
    () => db.$count(uploads, where),
  )
}

export async function findUpload(db: Database, id: string) {
  const [row] = await db.select().from(uploads).where(eq(uploads.id, id))
  if (!row) throw ApiError.notFound('Upload')
  return row
}

/** Removes the object, then the row (the uploader, admins, or the project's owner and admins); an avatar being removed is unset on its owner. */
export async function removeUpload(db: Database, config: Config, caller: Principal, id: string) {
  const row = await visibleUpload(db, caller, id)
  // Another member's file in a project: only those who manage the project remove it.
  if (row.ownerId !== caller.id && !isAdmin(caller))
    assertAllowed((await loadProject(db, caller, row.projectId!)).standing, 'manage', 'Upload')
  await config.bindings.UPLOADS.delete([row.key, ...THUMBNAIL_SIZES.map((size) => thumbnailKey(row.key, size))])
  await db
    .update(users)
    .set({ avatarUrl: null })
    .where(and(eq(users.id, row.ownerId), eq(users.avatarUrl, avatarPath(id))))
  await db.delete(uploads).where(eq(uploads.id, id))
}
