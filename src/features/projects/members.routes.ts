import { createRoute } from '@hono/zod-openapi'
import { errorResponses, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './projects.schemas'

const tags = ['Projects']
const security = [{ bearerAuth: [] }]
const middleware = requireAuth()
const e = errorResponses

export const listMembers = createRoute({
  method: 'get',
  path: '/projects/{id}/members',
  tags,
  security,
  middleware,
  summary: "A project's members, oldest first",
  request: { params: s.ProjectIdParam, query: s.MemberListQuery },
  responses: { 200: jsonContent(pageSchema(s.MemberSchema), 'A page of members'), ...e(401, 404, 422) },
})

export const addMember = createRoute({
  method: 'post',
  path: '/projects/{id}/members',
  tags,
  security,
  middleware,
  summary: 'Add a user as admin, member or viewer (owner and project admins)',
  request: { params: s.ProjectIdParam, ...jsonBody(s.AddMemberBody) },
  responses: { 201: jsonContent(successSchema(s.MemberSchema), 'Added'), ...e(401, 403, 404, 409, 422) },
})

export const updateMember = createRoute({
  method: 'put',
  path: '/projects/{id}/members/{userId}',
  tags,
  security,
  middleware,
  summary: "Change a member's role (owner and project admins; the owner's only by transfer)",
  request: { params: s.MemberParams, ...jsonBody(s.UpdateMemberBody) },
  responses: { 200: jsonContent(successSchema(s.MemberSchema), 'Updated'), ...e(401, 403, 404, 409, 422) },
})

export const removeMember = createRoute({
  method: 'delete',
  path: '/projects/{id}/members/{userId}',
  tags,
  security,
  middleware,
  summary: 'Remove a member (owner and project admins), or leave; the owner cannot be removed',
  request: { params: s.MemberParams },
  responses: {
    204: { description: 'Removed; its live connections to the project end' },
    ...e(401, 403, 404, 409, 422),
  },
})

export const transfer = createRoute({
  method: 'post',
  path: '/projects/{id}/transfer',
  tags,
  security,
  middleware,
  summary: 'Hand the project to another member (owner only); the old owner stays as admin',
  request: { params: s.ProjectIdParam, ...jsonBody(s.TransferBody) },
  responses: { 200: jsonContent(successSchema(s.ProjectSchema), 'Transferred'), ...e(401, 403, 404, 422) },
})
