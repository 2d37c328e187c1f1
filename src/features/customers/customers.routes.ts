import { createRoute } from '@hono/zod-openapi'
import { errorResponses as e, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './customers.schemas'

const tags = ['Cold chain: customers']
const security = [{ bearerAuth: [] }]
const middleware = requireAuth()
const One = successSchema(s.CustomerSchema)
const Link = successSchema(s.LinkSchema)
const linked = { 200: jsonContent(Link, 'Already linked (idempotent)'), 201: jsonContent(Link, 'Linked') }

export const create = createRoute({
  method: 'post',
  path: '/customers',
  tags,
  security,
  middleware,
  summary: 'Create a customer (admin)',
  request: jsonBody(s.CreateCustomerBody),
  responses: { 201: jsonContent(One, 'Created'), ...e(401, 403, 422) },
})
export const list = createRoute({
  method: 'get',
  path: '/customers',
  tags,
  security,
  middleware,
  summary: 'Customers in your scope (all for admins, linked ones for technicians, your own for customer users)',
  request: { query: s.CustomerListQuery },
  responses: { 200: jsonContent(pageSchema(s.CustomerSchema), 'A page of customers'), ...e(401, 422) },
})
export const get = createRoute({
  method: 'get',
  path: '/customers/{id}',
  tags,
  security,
  middleware,
  summary: 'A customer in your scope',
  request: { params: s.CustomerIdParam },
  responses: { 200: jsonContent(One, 'Customer'), ...e(401, 404, 422) },
})
export const update = createRoute({
  method: 'put',
  path: '/customers/{id}',
  tags,
  security,
  middleware,
  summary: 'Change a customer (admins, linked technicians)',
  request: { params: s.CustomerIdParam, ...jsonBody(s.UpdateCustomerBody) },
  responses: { 200: jsonContent(One, 'Updated'), ...e(401, 403, 404, 422) },
})
export const remove = createRoute({
  method: 'delete',
  path: '/customers/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a customer and its whole tree (admin)',
  request: { params: s.CustomerIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404, 422) },
})

export const linkTechnician = createRoute({
  method: 'post',
  path: '/customers/{id}/technicians',
  tags,
  security,
  middleware,
  summary: 'Link a technician to the customer (admin). 201 when linked, 200 when it already was',
  request: { params: s.CustomerIdParam, ...jsonBody(s.LinkUserBody) },
  responses: { ...linked, ...e(401, 403, 404, 422) },
})
export const unlinkTechnician = createRoute({
  method: 'delete',
  path: '/customers/{id}/technicians/{userId}',
  tags,
  security,
  middleware,
  summary: 'Unlink a technician (admin)',
  request: { params: s.CustomerUserParam },
  responses: { 204: { description: 'Unlinked' }, ...e(401, 403, 404, 422) },
})
export const attachUser = createRoute({
  method: 'post',
  path: '/customers/{id}/users',
  tags,
  security,
  middleware,
  summary:
    'Attach a customer-role user to the customer (admin). 201 when attached, 200 when it already was, 409 when it belongs to another customer',
  request: { params: s.CustomerIdParam, ...jsonBody(s.LinkUserBody) },
  responses: { ...linked, ...e(401, 403, 404, 409, 422) },
})
export const detachUser = createRoute({
  method: 'delete',
  path: '/customers/{id}/users/{userId}',
  tags,
  security,
  middleware,
  summary: 'Detach a user from the customer (admin)',
  request: { params: s.CustomerUserParam },
  responses: { 204: { description: 'Detached' }, ...e(401, 403, 404, 422) },
})
