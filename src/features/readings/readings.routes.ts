import { createRoute } from '@hono/zod-openapi'
import { errorResponses as e, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { exemptFromApiLimit } from '../../lib/rate-limit/exempt'
import { requireAuth } from '../../lib/auth'
import * as s from './readings.schemas'

const tags = ['Cold chain']

export const ingest = createRoute({
  method: 'post',
  path: '/readings/devices/{serialNumber}/readings',
  tags,
  // A site's devices share one IP: the per-client API limit would throttle a whole site.
  middleware: [exemptFromApiLimit],
  security: [{ deviceKey: [] }],
  summary: 'Post readings from a device (one, or a batch of up to 500)',
  description:
    'Authenticated by the device key in `x-device-key` (a device key opens only this route). Answers 202 with how many were stored; a resent (device, recordedAt) is stored once.',
  request: {
    params: s.SerialParam,
    ...jsonBody(s.IngestBody),
  },
  responses: { 202: jsonContent(successSchema(s.IngestResult), 'Accepted'), ...e(400, 401, 413, 422) },
})

export const history = createRoute({
  method: 'get',
  path: '/readings/coldcells/{id}/readings',
  tags,
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth()] as const,
  summary: "A cold cell's temperature history in buckets, with overall min, max, average and count",
  request: { params: s.HistoryParam, query: s.HistoryQuery },
  responses: { 200: jsonContent(successSchema(s.History), 'History'), ...e(401, 404, 422) },
})
