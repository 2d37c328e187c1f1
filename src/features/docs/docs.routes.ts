import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses, jsonContent, successSchema } from '../../lib/envelope'
import { RootSchema } from './docs.schemas'

const tags = ['Meta']

export const root = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'App name, version and links',
  responses: { 200: jsonContent(successSchema(RootSchema), 'About this deployment') },
})

export const openapi = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags,
  summary: 'This OpenAPI 3.1 document',
  responses: { 200: jsonContent(z.record(z.string(), z.unknown()), 'OpenAPI 3.1 document') },
})

export const docs = createRoute({
  method: 'get',
  path: '/docs',
  tags,
  summary: 'Interactive API reference (Swagger UI, served from this Worker)',
  responses: { 200: { content: { 'text/html': { schema: z.string() } }, description: 'HTML page' } },
})

export const ASSET_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'] as const

export const asset = createRoute({
  method: 'get',
  path: '/docs/assets/{file}',
  tags,
  summary: 'Swagger UI script and stylesheet, served as static assets',
  request: { params: z.object({ file: z.string().openapi({ enum: [...ASSET_FILES] }) }) },
  responses: {
    200: {
      content: { 'text/javascript': { schema: z.string() }, 'text/css': { schema: z.string() } },
      description: 'Asset',
    },
    ...errorResponses(404),
  },
})
