import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { projects } from './projects'
import { users } from './users'

export const UPLOAD_PURPOSES = ['avatar', 'attachment'] as const
export type UploadPurpose = (typeof UPLOAD_PURPOSES)[number]

/**
 * A file stored in the UPLOADS bucket under `key`. With a `projectId` its project's members read it;
 * a deleted project leaves its files to their uploaders.
 */
export const uploads = pgTable(
  'uploads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'set null' }),
    purpose: text('purpose', { enum: UPLOAD_PURPOSES }).notNull().default('attachment'),
    key: text('key').notNull().unique(),
    originalName: text('original_name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('uploads_owner_created_idx').on(t.ownerId, t.createdAt), index('uploads_project_idx').on(t.projectId)],
)

/** A large upload in progress: an R2 multipart upload, resumable part by part, aborted after 24 h. */
export const uploadSessions = pgTable(
  'upload_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'set null' }),
    purpose: text('purpose', { enum: UPLOAD_PURPOSES }).notNull().default('attachment'),
    key: text('key').notNull().unique(),
    r2UploadId: text('r2_upload_id').notNull(),
    originalName: text('original_name').notNull(),
    contentType: text('content_type').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('upload_sessions_created_idx').on(t.createdAt),
    index('upload_sessions_owner_idx').on(t.ownerId),
    index('upload_sessions_project_idx').on(t.projectId),
  ],
)

/** The parts a session holds: what a resumed client asks for, and what completion assembles. */
export const uploadSessionParts = pgTable(
  'upload_session_parts',
  {
    sessionId: uuid('session_id')
      .notNull()
      .references(() => uploadSessions.id, { onDelete: 'cascade' }),
    partNumber: integer('part_number').notNull(),
    etag: text('etag').notNull(),
    size: integer('size').notNull(),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.partNumber] })],
)

export type Upload = typeof uploads.$inferSelect
export type UploadSession = typeof uploadSessions.$inferSelect
