import { z } from '@hono/zod-openapi'
import { TASK_PRIORITIES, TASK_STATUSES, tasks } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { selectSchema } from '../../lib/table-schema'

export const TaskSchema = selectSchema(tasks)
  .extend({ tags: z.array(z.string()) })
  .openapi('Task')
export type TaskOut = z.infer<typeof TaskSchema>

const Title = z.string().trim().min(1).max(500).openapi({ example: 'Write the launch post' })
const Description = z.string().max(10_000).nullable()
const Status = z.enum(TASK_STATUSES)
const Priority = z.enum(TASK_PRIORITIES)
const AssigneeId = z.uuid().nullable().openapi({ description: 'A member of the project, or null' })
const DueDate = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .nullable()
  .openapi({ type: 'string', format: 'date-time', example: '2026-12-24T17:00:00Z' })
const Tags = z
  .array(z.string().trim().min(1).max(50))
  .max(20)
  .transform((t) => [...new Set(t)])

// Strict: `projectId`, `createdBy`, `id` or timestamps in a body are refused (422), never stored.
const fields = {
  title: Title,
  description: Description,
  status: Status,
  priority: Priority,
  assigneeId: AssigneeId,
  dueDate: DueDate,
  tags: Tags,
}

/** A new task; also what PUT takes, replacing every field (omitted ones go back to their defaults). */
export const CreateTaskBody = z
  .strictObject({
    title: fields.title,
    description: fields.description.default(null),
    status: fields.status.default('todo'),
    priority: fields.priority.default('medium'),
    assigneeId: fields.assigneeId.default(null),
    dueDate: fields.dueDate.default(null),
    tags: fields.tags.default([]),
  })
  .openapi('CreateTask')
export type TaskInput = z.infer<typeof CreateTaskBody>

export const PatchTaskBody = z
  .strictObject({
    title: fields.title.optional(),
    description: fields.description.optional(),
    status: fields.status.optional(),
    priority: fields.priority.optional(),
    assigneeId: fields.assigneeId.optional(),
    dueDate: fields.dueDate.optional(),
    tags: fields.tags.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'give at least one field')
  .openapi('PatchTask')
export type TaskPatch = z.infer<typeof PatchTaskBody>

const Instant = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .openapi({ type: 'string', format: 'date-time' })

export const TASK_SORTS = [
  'createdAt',
  '-createdAt',
  'updatedAt',
  '-updatedAt',
  'dueDate',
  '-dueDate',
  'title',
  '-title',
] as const
export const TaskListQuery = PageQuery.extend({
  status: Status.optional(),
  priority: Priority.optional(),
  assigneeId: z.uuid().optional(),
  tag: z.string().min(1).max(50).optional().openapi({ description: 'Tasks carrying this tag' }),
  dueBefore: Instant.optional().openapi({ description: 'Due strictly before this instant' }),
  dueAfter: Instant.optional().openapi({ description: 'Due strictly after this instant' }),
  sort: z.enum(TASK_SORTS).default('-createdAt'),
})
export type TaskListQuery = z.infer<typeof TaskListQuery>

export const TaskIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
