import { createRoute } from '@hono/zod-openapi'
import { errorResponses as e, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './locations.schemas'

const tags = ['Cold chain: locations']
const security = [{ bearerAuth: [] }]
const middleware = requireAuth()
const One = successSchema(s.LocationSchema)

export const create = createRoute({
  method: 'post',
  path: '/locations',
  tags,
  security,
  middleware,
  summary: 'Create a location of a customer in your scope (admins, technicians)',
  request: jsonBody(s.CreateLocationBody),
  responses: { 201: jsonContent(One, 'Created'), ...e(401, 403, 404, 422) },
})
export const list = createRoute({
  method: 'get',
  path: '/locations',
  tags,
  security,
  middleware,
  summary: 'Locations in your scope',
  request: { query: s.LocationListQuery },
  responses: { 200: jsonContent(pageSchema(s.LocationSchema), 'A page of locations'), ...e(401, 422) },
})
export const get = createRoute({
  method: 'get',
  path: '/locations/{id}',
  tags,
  security,
  middleware,
  summary: 'A location in your scope',
  request: { params: s.LocationIdParam },
  responses: { 200: jsonContent(One, 'Location'), ...e(401, 404, 422) },
})
export const update = createRoute({
  method: 'put',
  path: '/locations/{id}',
  tags,
  security,
  middleware,
  summary: 'Change a location (admins, technicians)',
  request: { params: s.LocationIdParam, ...jsonBody(s.UpdateLocationBody) },
  responses: { 200: jsonContent(One, 'Updated'), ...e(401, 403, 404, 422) },
})
export const remove = createRoute({
  method: 'delete',
  path: '/locations/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a location and everything in it (admins, technicians)',
  request: { params: s.LocationIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404, 422) },
})
