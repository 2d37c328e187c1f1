import { z } from '@hono/zod-openapi'
import { posts } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { selectSchema } from '../../lib/table-schema'

export const PostSchema = selectSchema(posts).openapi('Post')
export type PostOut = z.infer<typeof PostSchema>

const Title = z.string().trim().min(1).max(300).openapi({ example: 'Release notes' })
const Content = z.string().min(1).max(50_000)

// Strict: `authorId`, `id` or timestamps in a body are refused (422); the author is the caller.
export const CreatePostBody = z
  .strictObject({ title: Title, content: Content, published: z.boolean().default(false) })
  .openapi('CreatePost')
export type CreatePostInput = z.infer<typeof CreatePostBody>

export const UpdatePostBody = z
  .strictObject({ title: Title.optional(), content: Content.optional(), published: z.boolean().optional() })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'give at least one field')
  .openapi('UpdatePost')
export type UpdatePostInput = z.infer<typeof UpdatePostBody>

export const POST_SORTS = ['createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'title', '-title'] as const
export const PostListQuery = PageQuery.extend({
  authorId: z.uuid().optional(),
  published: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: "false: drafts (your own, or everyone's for moderators); absent: all you may see" }),
  sort: z.enum(POST_SORTS).default('-createdAt'),
})
export type PostListQuery = z.infer<typeof PostListQuery>

export const PostIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
export const AuthorIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
