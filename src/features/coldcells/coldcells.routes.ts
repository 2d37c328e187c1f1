import { createRoute } from '@hono/zod-openapi'
import { errorResponses as e, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './coldcells.schemas'

const tags = ['Cold chain: cold cells']
const security = [{ bearerAuth: [] }]
const middleware = requireAuth()
const One = successSchema(s.ColdCellSchema)

export const create = createRoute({
  method: 'post',
  path: '/coldcells',
  tags,
  security,
  middleware,
  summary: 'Create a cold cell in a location of your scope (admins, technicians); minTemp < maxTemp',
  request: jsonBody(s.CreateColdCellBody),
  responses: { 201: jsonContent(One, 'Created'), ...e(401, 403, 404, 422) },
})
export const list = createRoute({
  method: 'get',
  path: '/coldcells',
  tags,
  security,
  middleware,
  summary: 'Cold cells in your scope',
  request: { query: s.ColdCellListQuery },
  responses: { 200: jsonContent(pageSchema(s.ColdCellSchema), 'A page of cold cells'), ...e(401, 422) },
})
export const get = createRoute({
  method: 'get',
  path: '/coldcells/{id}',
  tags,
  security,
  middleware,
  summary: 'A cold cell in your scope',
  request: { params: s.ColdCellIdParam },
  responses: { 200: jsonContent(One, 'Cold cell'), ...e(401, 404, 422) },
})
export const update = createRoute({
  method: 'put',
  path: '/coldcells/{id}',
  tags,
  security,
  middleware,
  summary: 'Change a cold cell (admins, technicians); thresholds are checked with the stored values',
  request: { params: s.ColdCellIdParam, ...jsonBody(s.UpdateColdCellBody) },
  responses: { 200: jsonContent(One, 'Updated'), ...e(401, 403, 404, 422) },
})
export const remove = createRoute({
  method: 'delete',
  path: '/coldcells/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a cold cell with its devices, readings and alerts (admins, technicians)',
  request: { params: s.ColdCellIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404, 422) },
})
