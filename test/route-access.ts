/**
 * Who may pass each served route's gate, one row per route of the app's route table
 * (test/authz-matrix.test.ts fails for a served route with no row). `open` is the exact status a
 * caller past the gate gets for the matrix's probe (every path parameter an unknown UUID, `{}` as
 * the body of a write): a 404, a 422 or a list, since the probe names nothing of anyone's.
 */
import { reading } from './coldchain-fixtures'
import type { Principal } from './principals'

export type Role = Extract<Principal, 'user' | 'moderator' | 'technician' | 'customer' | 'admin'>
export const ROLES: Role[] = ['user', 'moderator', 'technician', 'customer', 'admin']

/**
 * `public`: no credentials needed; `optional`: none needed, but a token that is sent must be valid; `device`: a
 * device key; `signedIn`: any valid access token; else these roles.
 */
export type Gate = 'public' | 'optional' | 'device' | 'signedIn' | Role[]
/** `body`: the probe's body instead of `{}`, where the gate comes after validation (ingest checks the key last). */
export type Access = { gate: Gate; open: number; body?: () => unknown }

const ADMIN: Role[] = ['admin']
const TECH: Role[] = ['technician', 'admin']
const READERS: Role[] = ['moderator', 'admin']
const POSTERS: Role[] = ['user', 'moderator', 'admin']

const pub = (open: number): Access => ({ gate: 'public', open })
const signedIn = (open: number): Access => ({ gate: 'signedIn', open })
const admin = (open: number): Access => ({ gate: ADMIN, open })

export const ROUTE_ACCESS: Record<string, Access> = {
  // Probe parameters: `channel` is public:matrix, `n` is 1, `serialNumber` the device's own; the rest unknown UUIDs.
  'GET /': pub(200),
  'GET /openapi.json': pub(200),
  'GET /docs': pub(200),
  'GET /docs/assets/:file': pub(404),
  'GET /api/v1/health': pub(200),
  'GET /api/v1/health/readiness': pub(200),
  'GET /api/v1/health/liveness': pub(200),
  // Validated before the handler says it exists only in development: a 422 without `to`.
  'GET /api/v1/dev/mailbox': pub(422),

  'POST /api/v1/auth/register': pub(422),
  'POST /api/v1/auth/verify': pub(422),
  'POST /api/v1/auth/resend-verification': pub(422),
  'POST /api/v1/auth/login': pub(422),
  'POST /api/v1/auth/refresh': pub(422),
  'POST /api/v1/auth/logout': pub(422),
  'POST /api/v1/auth/forgot-password': pub(422),
  'POST /api/v1/auth/reset-password': pub(422),
  'GET /api/v1/auth/me': signedIn(200),
  'GET /api/v1/auth/me/with-roles': signedIn(200),
  'PUT /api/v1/auth/profile': signedIn(422),
  'PUT /api/v1/auth/change-password': signedIn(422),

  'GET /api/v1/users': { gate: READERS, open: 200 },
  'POST /api/v1/users': admin(422),
  'GET /api/v1/users/:id': signedIn(404),
  'PUT /api/v1/users/:id': signedIn(422),
  'DELETE /api/v1/users/:id': admin(404),
  'PUT /api/v1/users/plan': signedIn(422),

  'GET /api/v1/rbac/roles': admin(200),
  'POST /api/v1/rbac/roles': admin(422),
  'GET /api/v1/rbac/roles/:id': admin(404),
  'PUT /api/v1/rbac/roles/:id': admin(422),
  'DELETE /api/v1/rbac/roles/:id': admin(404),
  'GET /api/v1/rbac/permissions': admin(200),
  'POST /api/v1/rbac/permissions': admin(422),
  'GET /api/v1/rbac/permissions/:id': admin(404),
  'PUT /api/v1/rbac/permissions/:id': admin(422),
  'DELETE /api/v1/rbac/permissions/:id': admin(404),
  'GET /api/v1/rbac/users/:userId/roles': admin(404),
  'POST /api/v1/rbac/users/:userId/roles': admin(422),
  'DELETE /api/v1/rbac/users/:userId/roles': admin(422),
  'POST /api/v1/rbac/roles/:roleId/permissions': admin(422),
  'DELETE /api/v1/rbac/roles/:roleId/permissions': admin(422),
  'POST /api/v1/rbac/users/:userId/check-permission': admin(422),
  'GET /api/v1/rbac/users/:userId/permissions': admin(404),
  'GET /api/v1/rbac/me/roles': signedIn(200),
  'GET /api/v1/rbac/me/permissions': signedIn(200),

  'GET /api/v1/admin/stats': admin(200),
  'GET /api/v1/admin/analytics': admin(200),
  'GET /api/v1/admin/users': admin(200),
  'PUT /api/v1/admin/users/:id/role': admin(422),
  'DELETE /api/v1/admin/users/:id': admin(404),
  'PUT /api/v1/admin/users/:id/plan': admin(422),
  'GET /api/v1/admin/jobs': admin(200),
  'GET /api/v1/admin/logs': admin(200),
  'GET /api/v1/admin/dead-letters': admin(200),
  'POST /api/v1/admin/dead-letters/:id/replay': admin(404),

  'GET /api/v1/scheduler/jobs': admin(200),
  'GET /api/v1/scheduler/jobs/names': admin(200),
  'POST /api/v1/scheduler/jobs/start': admin(200),
  'POST /api/v1/scheduler/jobs/stop': admin(200),
  'POST /api/v1/scheduler/jobs/:name/trigger': admin(404),
  'GET /api/v1/scheduler/health-metrics': admin(200),
  'GET /api/v1/scheduler/daily-reports': admin(200),

  'GET /api/v1/jobs/signing-secret': signedIn(200),
  'POST /api/v1/jobs/signing-secret/rotate': signedIn(200),
  'POST /api/v1/jobs': signedIn(422),
  'GET /api/v1/jobs': signedIn(200),
  'GET /api/v1/jobs/:id': signedIn(404),
  'PUT /api/v1/jobs/:id': signedIn(422),
  'DELETE /api/v1/jobs/:id': signedIn(404),
  'POST /api/v1/jobs/:id/pause': signedIn(404),
  'POST /api/v1/jobs/:id/resume': signedIn(404),
  'POST /api/v1/jobs/:id/run': signedIn(404),
  'GET /api/v1/jobs/:jobId/logs': signedIn(404),
  'GET /api/v1/logs': signedIn(200),
  'GET /api/v1/logs/:id': signedIn(404),
  'GET /api/v1/stats': signedIn(200),
  'GET /api/v1/stats/analytics': signedIn(200),

  'POST /api/v1/customers': signedIn(422),
  'GET /api/v1/customers': signedIn(200),
  'GET /api/v1/customers/:id': signedIn(404),
  'PUT /api/v1/customers/:id': signedIn(422),
  'DELETE /api/v1/customers/:id': signedIn(404),
  'POST /api/v1/customers/:id/technicians': signedIn(422),
  'DELETE /api/v1/customers/:id/technicians/:userId': signedIn(404),
  'POST /api/v1/customers/:id/users': signedIn(422),
  'DELETE /api/v1/customers/:id/users/:userId': signedIn(404),
  'POST /api/v1/locations': signedIn(422),
  'GET /api/v1/locations': signedIn(200),
  'GET /api/v1/locations/:id': signedIn(404),
  'PUT /api/v1/locations/:id': signedIn(422),
  'DELETE /api/v1/locations/:id': signedIn(404),
  'POST /api/v1/coldcells': signedIn(422),
  'GET /api/v1/coldcells': signedIn(200),
  'GET /api/v1/coldcells/:id': signedIn(404),
  'PUT /api/v1/coldcells/:id': signedIn(422),
  'DELETE /api/v1/coldcells/:id': signedIn(404),
  'POST /api/v1/devices': signedIn(422),
  'GET /api/v1/devices': signedIn(200),
  'GET /api/v1/devices/:id': signedIn(404),
  'PUT /api/v1/devices/:id': signedIn(422),
  'DELETE /api/v1/devices/:id': signedIn(404),
  'POST /api/v1/devices/:id/regenerate-key': signedIn(404),
  'POST /api/v1/readings/devices/:serialNumber/readings': { gate: 'device', open: 202, body: () => reading(2) },
  'GET /api/v1/readings/coldcells/:id/readings': signedIn(404),
  'GET /api/v1/alerts': signedIn(200),
  'PATCH /api/v1/alerts/:id/resolve': signedIn(404),
  'GET /api/v1/dashboard/technician': { gate: TECH, open: 200 },

  'GET /api/v1/notifications': signedIn(200),
  'POST /api/v1/notifications/read-all': signedIn(200),
  'PATCH /api/v1/notifications/:id/read': signedIn(404),
  'DELETE /api/v1/notifications/:id': signedIn(404),

  'GET /api/v1/sse/connect': pub(422),
  'GET /api/v1/sse/auth/connect': signedIn(200),
  'POST /api/v1/sse/user/send': signedIn(422),
  'POST /api/v1/sse/admin/send/channel/:channel': admin(422),
  'POST /api/v1/sse/admin/send/user/:userId': admin(422),
  'POST /api/v1/sse/admin/broadcast': admin(422),
  'GET /api/v1/sse/admin/stats': admin(200),
  'GET /api/v1/sse/admin/clients': admin(200),
  'GET /api/v1/realtime/channels/:channel/ws': pub(426),

  'POST /api/v1/payments/checkout': signedIn(422),
  'GET /api/v1/payments': signedIn(200),
  'POST /api/v1/webhooks/stripe': pub(400),

  'POST /api/v1/uploads/sessions': signedIn(422),
  'GET /api/v1/uploads/sessions/:id': signedIn(404),
  'PUT /api/v1/uploads/sessions/:id/parts/:n': signedIn(404),
  'POST /api/v1/uploads/sessions/:id/complete': signedIn(404),
  'DELETE /api/v1/uploads/sessions/:id': signedIn(404),
  'POST /api/v1/uploads': signedIn(415),
  'POST /api/v1/uploads/multiple': signedIn(415),
  'GET /api/v1/uploads/:id': signedIn(404),
  'GET /api/v1/uploads/:id/url': signedIn(404),
  'GET /api/v1/uploads/:id/content': pub(422),
  'DELETE /api/v1/uploads/:id': signedIn(404),

  // Collaboration: any signed-in caller passes the gate; membership rules answer past it (unknown ids: 404).
  'GET /api/v1/projects': signedIn(200),
  'POST /api/v1/projects': signedIn(422),
  'GET /api/v1/projects/:id': signedIn(404),
  'PUT /api/v1/projects/:id': signedIn(422),
  'DELETE /api/v1/projects/:id': signedIn(404),
  'GET /api/v1/projects/:id/members': signedIn(404),
  'POST /api/v1/projects/:id/members': signedIn(422),
  'PUT /api/v1/projects/:id/members/:userId': signedIn(422),
  'DELETE /api/v1/projects/:id/members/:userId': signedIn(404),
  'POST /api/v1/projects/:id/transfer': signedIn(422),
  'GET /api/v1/projects/:id/tasks': signedIn(404),
  'POST /api/v1/projects/:id/tasks': signedIn(422),
  'GET /api/v1/tasks/:id': signedIn(404),
  'PUT /api/v1/tasks/:id': signedIn(422),
  'PATCH /api/v1/tasks/:id': signedIn(422),
  'DELETE /api/v1/tasks/:id': signedIn(404),
  'GET /api/v1/projects/:id/files': signedIn(404),
  // Posts need `posts:*` permissions, which technicians and customer users do not hold.
  'GET /api/v1/posts': { gate: POSTERS, open: 200 },
  'POST /api/v1/posts': signedIn(422),
  'GET /api/v1/posts/:id': { gate: POSTERS, open: 404 },
  'PUT /api/v1/posts/:id': signedIn(422),
  'DELETE /api/v1/posts/:id': { gate: POSTERS, open: 404 },
  'GET /api/v1/users/:id/posts': { gate: POSTERS, open: 404 },
  // GraphQL answers anonymous callers (each field applies the REST rules); GET without a query is GraphiQL.
  'GET /api/v1/graphql': { gate: 'optional', open: 200 },
  'POST /api/v1/graphql': pub(422),
  'GET /api/v1/graphql/schema.graphql': pub(200),
  'GET /api/v1/search': signedIn(422),
  'GET /api/v1/search/autocomplete': signedIn(422),
  'GET /metrics': admin(200),
}
