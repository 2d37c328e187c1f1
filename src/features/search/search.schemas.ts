import { z } from '@hono/zod-openapi'
import { isoDate } from '../../lib/table-schema'
import { PageQuery } from '../../lib/pagination'
import { DEVICE_STATUSES, PROJECT_STATUSES, TASK_PRIORITIES, TASK_STATUSES } from '../../db/schema'

export const SEARCH_TYPES = ['users', 'projects', 'tasks', 'posts', 'devices'] as const
export type SearchType = (typeof SEARCH_TYPES)[number]

const Type = z.enum(SEARCH_TYPES)
const bool = z.enum(['true', 'false']).transform((v) => v === 'true')

/** Filters that apply to one type only; naming one with another type (or none) is a 422. */
export const FILTERS = {
  verified: 'users',
  projectStatus: 'projects',
  projectId: 'tasks',
  taskStatus: 'tasks',
  priority: 'tasks',
  assigneeId: 'tasks',
  published: 'posts',
  authorId: 'posts',
  status: 'devices',
  customerId: 'devices',
  coldCellId: 'devices',
} as const satisfies Record<string, SearchType>

export const SearchQuery = PageQuery.extend({
  query: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .openapi({ example: 'john', description: 'Words, "a phrase", -excluded, or OR' }),
  type: Type.optional().openapi({ description: 'One type; omitted: every type you may read' }),
  sortBy: z.enum(['relevance', 'createdAt', 'name']).default('relevance'),
  sortOrder: z.enum(['asc', 'desc']).optional().openapi({ description: 'Default: desc, except asc for name' }),
  verified: bool.optional().openapi({ description: 'users: verified email or not' }),
  projectStatus: z.enum(PROJECT_STATUSES).optional().openapi({ description: 'projects: status' }),
  projectId: z.uuid().optional().openapi({ description: 'tasks: of this project' }),
  taskStatus: z.enum(TASK_STATUSES).optional().openapi({ description: 'tasks: status' }),
  priority: z.enum(TASK_PRIORITIES).optional().openapi({ description: 'tasks: priority' }),
  assigneeId: z.uuid().optional().openapi({ description: 'tasks: assigned to this user' }),
  published: bool.optional().openapi({ description: 'posts: published or draft' }),
  authorId: z.uuid().optional().openapi({ description: 'posts: by this author' }),
  status: z.enum(DEVICE_STATUSES).optional().openapi({ description: 'devices: status' }),
  customerId: z.uuid().optional().openapi({ description: 'devices: of this customer' }),
  coldCellId: z.uuid().optional().openapi({ description: 'devices: in this cold cell' }),
}).superRefine((q, ctx) => {
  for (const [name, type] of Object.entries(FILTERS)) {
    if (q[name as keyof typeof FILTERS] !== undefined && q.type !== type)
      ctx.addIssue({ code: 'custom', path: [name], message: `applies to type=${type} only` })
  }
})
export type SearchQuery = z.infer<typeof SearchQuery>

export const AutocompleteQuery = z.object({
  query: z.string().trim().min(2, 'must be at least 2 characters').max(100).openapi({ example: 'jo' }),
  type: Type.optional(),
  limit: z.coerce.number().int().min(1).max(20).default(5),
})
export type AutocompleteQuery = z.infer<typeof AutocompleteQuery>

export const SearchHitSchema = z
  .object({
    type: Type,
    id: z.string().openapi({ format: 'uuid' }),
    title: z.string(),
    subtitle: z.string().nullable(),
    highlight: z.string().openapi({
      description: 'The matched text, HTML-escaped, with the query words in <mark>…</mark>',
    }),
    score: z.number().openapi({ description: 'Full-text rank plus trigram similarity; higher is closer' }),
    createdAt: isoDate,
  })
  .openapi('SearchHit')
export type SearchHit = z.output<typeof SearchHitSchema>

export const SuggestionSchema = z
  .object({ type: Type, id: z.string().openapi({ format: 'uuid' }), label: z.string() })
  .openapi('Suggestion')
