import { createRoute } from '@hono/zod-openapi'
import { errorResponses as e, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './devices.schemas'

const tags = ['Cold chain: devices']
const security = [{ bearerAuth: [] }]
const middleware = requireAuth()
const One = successSchema(s.DeviceSchema)
const WithKey = successSchema(s.DeviceWithKeySchema)

export const create = createRoute({
  method: 'post',
  path: '/devices',
  tags,
  security,
  middleware,
  summary: 'Register a device in a cold cell of your scope (admins, technicians); the key is returned once',
  request: jsonBody(s.CreateDeviceBody),
  responses: { 201: jsonContent(WithKey, 'Created, with its key'), ...e(401, 403, 404, 409, 422) },
})
export const list = createRoute({
  method: 'get',
  path: '/devices',
  tags,
  security,
  middleware,
  summary: 'Devices in your scope',
  request: { query: s.DeviceListQuery },
  responses: { 200: jsonContent(pageSchema(s.DeviceSchema), 'A page of devices'), ...e(401, 422) },
})
export const get = createRoute({
  method: 'get',
  path: '/devices/{id}',
  tags,
  security,
  middleware,
  summary: 'A device in your scope',
  request: { params: s.DeviceIdParam },
  responses: { 200: jsonContent(One, 'Device'), ...e(401, 404, 422) },
})
export const update = createRoute({
  method: 'put',
  path: '/devices/{id}',
  tags,
  security,
  middleware,
  summary: 'Move a device to another cold cell or record its firmware (admins, technicians)',
  request: { params: s.DeviceIdParam, ...jsonBody(s.UpdateDeviceBody) },
  responses: { 200: jsonContent(One, 'Updated'), ...e(401, 403, 404, 422) },
})
export const remove = createRoute({
  method: 'delete',
  path: '/devices/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a device with its readings and alerts (admins, technicians)',
  request: { params: s.DeviceIdParam },
  responses: { 204: { description: 'Deleted' }, ...e(401, 403, 404, 422) },
})
export const regenerateKey = createRoute({
  method: 'post',
  path: '/devices/{id}/regenerate-key',
  tags,
  security,
  middleware,
  summary: 'Issue a new device key, returned once; the old key stops working (admins, technicians)',
  request: { params: s.DeviceIdParam },
  responses: { 200: jsonContent(WithKey, 'The device with its new key'), ...e(401, 403, 404, 422) },
})
