import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses as e, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import * as s from './readings.schemas'

const tags = ['Cold chain']

export const ingest = createRoute({
  method: 'post',
  path: '/readings/devices/{serialNumber}/readings',
  tags,
  summary: 'Post readings from a device (one, or a batch of up to 500)',
  description: 'Authenticated by the device key in `x-device-key` (a device key opens only this route). Answers 202 with how many were stored; a resent (device, recordedAt) is stored once.',
  request: { params: s.SerialParam, headers: z.object({ 'x-device-key': z.string().optional() }), ...jsonBody(s.IngestBody) },
  responses: { 202: jsonContent(successSchema(s.IngestResult), 'Accepted'), ...e(400, 401, 413, 422) },
})
