import { z } from '@hono/zod-openapi'
import { PROJECT_ROLES, PROJECT_STATUSES, projectMembers, projects, type Json } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { formatted, selectSchema } from '../../lib/table-schema'

// Any JSON object: z.json() is recursive, which the OpenAPI generator cannot walk.
const JsonObject = z.record(z.string(), z.unknown()) as unknown as z.ZodType<{ [key: string]: Json }>
const MAX_SETTINGS_BYTES = 8192

export const ProjectSchema = selectSchema(projects).extend({ settings: JsonObject }).openapi('Project')

/** A project in a list: with the caller's role in it (null for a system admin who is not a member). */
export const ProjectListItemSchema = ProjectSchema.extend({ role: z.enum(PROJECT_ROLES).nullable() }).openapi(
  'ProjectListItem',
)

export const MemberSchema = selectSchema(projectMembers)
  .omit({ projectId: true })
  .extend({ name: z.string(), email: formatted('email') })
  .openapi('ProjectMember')

const count = z.number().int()
export const TaskCountsSchema = z
  .object({ todo: count, in_progress: count, review: count, done: count })
  .openapi('TaskCounts', { description: 'Tasks of the project by status' })

export const ProjectDetailSchema = ProjectSchema.extend({
  role: z.enum(PROJECT_ROLES).nullable(),
  owner: z.object({ id: formatted('uuid'), name: z.string(), email: formatted('email') }),
  members: z.array(MemberSchema),
  taskCounts: TaskCountsSchema,
}).openapi('ProjectDetail')

const Name = z.string().trim().min(1).max(200).openapi({ example: 'Launch' })
const Description = z.string().max(5000).nullable()
// A JSON body holds only JSON, so `unknown` values are JSON here; z.json() would be recursive.
const Settings = JsonObject.refine(
  (s) => new TextEncoder().encode(JSON.stringify(s)).length <= MAX_SETTINGS_BYTES,
  `at most ${MAX_SETTINGS_BYTES} bytes of JSON`,
)

// Strict: `ownerId`, `id` or timestamps in a body are refused (422), never stored.
export const CreateProjectBody = z
  .strictObject({ name: Name, description: Description.optional(), settings: Settings.optional() })
  .openapi('CreateProject')
export type CreateProjectInput = z.infer<typeof CreateProjectBody>

export const UpdateProjectBody = z
  .strictObject({
    name: Name.optional(),
    description: Description.optional(),
    status: z.enum(PROJECT_STATUSES).optional().openapi({ description: '`archived` makes the project read-only' }),
    settings: Settings.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'give at least one field')
  .openapi('UpdateProject')
export type UpdateProjectInput = z.infer<typeof UpdateProjectBody>

export const PROJECT_SORTS = ['createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'name', '-name'] as const
export const ProjectListQuery = PageQuery.extend({
  name: z.string().max(200).optional().openapi({ description: 'Substring of the name, case-insensitive' }),
  status: z.enum(PROJECT_STATUSES).optional(),
  scope: z
    .enum(['mine', 'all'])
    .default('mine')
    .openapi({ description: '`mine`: projects you own or belong to; `all` (admins only): every project' }),
  sort: z.enum(PROJECT_SORTS).default('-createdAt'),
})
export type ProjectListQuery = z.infer<typeof ProjectListQuery>

export const ProjectIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
export const MemberParams = ProjectIdParam.extend({
  userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }),
})

/** Roles a member can be given; `owner` moves only through a transfer. */
const AssignableRole = z.enum(['admin', 'member', 'viewer'])

export const AddMemberBody = z
  .strictObject({ userId: z.uuid(), role: AssignableRole.default('member') })
  .openapi('AddProjectMember')
export const UpdateMemberBody = z.strictObject({ role: AssignableRole }).openapi('UpdateProjectMember')
export const TransferBody = z
  .strictObject({ userId: z.uuid().openapi({ description: 'A member of the project, who becomes its owner' }) })
  .openapi('TransferProject')

export const MemberListQuery = PageQuery
