import { createRoute } from '@hono/zod-openapi'
import { errorResponses, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './posts.schemas'

const tags = ['Posts']
const security = [{ bearerAuth: [] }]
// The `posts:*` permissions decide, in the service: `posts:read` lists, `posts:create` writes,
// `posts:update_own`/`delete_own` cover the caller's posts and `posts:manage` every post. Drafts
// are visible to their author and moderators only; anyone else gets 404.
const middleware = requireAuth()
const e = errorResponses

export const list = createRoute({
  method: 'get',
  path: '/posts',
  tags,
  security,
  middleware,
  summary: 'Posts you may see (published ones, your drafts), filtered by author and published',
  request: { query: s.PostListQuery },
  responses: { 200: jsonContent(pageSchema(s.PostSchema), 'A page of posts'), ...e(401, 403, 422) },
})

export const create = createRoute({
  method: 'post',
  path: '/posts',
  tags,
  security,
  middleware,
  summary: 'Write a post (posts:create); you are its author',
  request: jsonBody(s.CreatePostBody),
  responses: { 201: jsonContent(successSchema(s.PostSchema), 'Created'), ...e(401, 403, 422) },
})

export const get = createRoute({
  method: 'get',
  path: '/posts/{id}',
  tags,
  security,
  middleware,
  summary: 'A post (a draft only for its author and moderators)',
  request: { params: s.PostIdParam },
  responses: { 200: jsonContent(successSchema(s.PostSchema), 'The post'), ...e(401, 403, 404, 422) },
})

export const update = createRoute({
  method: 'put',
  path: '/posts/{id}',
  tags,
  security,
  middleware,
  summary: 'Update a post (your own with posts:update_own, any with posts:update)',
  request: { params: s.PostIdParam, ...jsonBody(s.UpdatePostBody) },
  responses: { 200: jsonContent(successSchema(s.PostSchema), 'Updated'), ...e(401, 403, 404, 422) },
})

export const remove = createRoute({
  method: 'delete',
  path: '/posts/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a post (your own with posts:delete_own, any with posts:delete)',
  request: { params: s.PostIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404, 422) },
})

export const byUser = createRoute({
  method: 'get',
  path: '/users/{id}/posts',
  tags,
  security,
  middleware,
  summary: "A user's posts you may see",
  request: { params: s.AuthorIdParam, query: s.PostListQuery.omit({ authorId: true }) },
  responses: { 200: jsonContent(pageSchema(s.PostSchema), 'A page of posts'), ...e(401, 403, 404, 422) },
})
