import { isAuthGate } from './auth'
import type { AppRouter } from './create-router'

type Document = ReturnType<AppRouter['getOpenAPI31Document']>
type Operation = {
  operationId?: string
  security?: Record<string, string[]>[]
  responses?: Record<string, unknown>
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const
const API_BASE = '/api/v1'
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

/**
 * A stable operationId from method and path, so generated clients get readable names without every route
 * naming itself: `get /api/v1/users/{id}/posts` → `getUsersByIdPosts`, `get /` → `getRoot`.
 */
export function operationIdOf(method: string, path: string) {
  const rest = path.startsWith(`${API_BASE}/`) ? path.slice(API_BASE.length) : path
  const words = rest
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1]
      const name = segment
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map(capital)
        .join('')
      return param ? `By${capital(param)}` : name
    })
  return method.toLowerCase() + (words.join('') || 'Root')
}

/** `:id` and `:id{[0-9]+}` in hono's paths are `{id}` in OpenAPI's. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')

/** The `method path` keys of routes that run `requireAuth()`, read from the app's own route table. */
function authedRoutes(app: AppRouter) {
  return new Set(
    app.routes.filter((r) => isAuthGate(r.handler)).map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
  )
}

const CLIENT_ERROR = {
  description: 'Client error, in the error envelope',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
}

/**
 * What every operation needs for generators and `redocly lint`, set in one place rather than in each route:
 * an operationId; `security` (bearer when the route runs `requireAuth()`, else `[]`: public), unless the route
 * declares its own; and a 4XX response (any route can answer one, e.g. 405 or 413 from the app's middleware).
 */
export function completeDocument(doc: Document, app: AppRouter): Document {
  const authed = authedRoutes(app)
  const ids = new Map<string, string>()
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Partial<Record<(typeof METHODS)[number], Operation>>)[method]
      if (!op) continue
      op.operationId ??= operationIdOf(method, path)
      const clash = ids.get(op.operationId)
      if (clash) throw new Error(`operationId ${op.operationId} of ${method} ${path} is also ${clash}'s`)
      ids.set(op.operationId, `${method} ${path}`)
      op.security ??= authed.has(`${method} ${path}`) ? [{ bearerAuth: [] }] : []
      op.responses ??= {}
      if (!Object.keys(op.responses).some((status) => status.startsWith('4'))) op.responses['4XX'] = CLIENT_ERROR
    }
  }
  return doc
}

/** The OpenAPI 3.1 document of the fully mounted app, as /openapi.json serves it and scripts/openapi.ts lints it. */
export function openApiDocument(app: AppRouter) {
  return completeDocument(
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Outpost API',
        version: '0.1.0',
        description: 'Edge backend on Cloudflare Workers. Every reply is `{ success, data | error }`.',
        // OpenAPI 3.1's `identifier` (an SPDX expression), which openapi3-ts's LicenseObject does not list.
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' } as { name: string },
      },
      servers: [{ url: '/' }],
    }),
    app,
  )
}
