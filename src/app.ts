import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { methodNotAllowed } from 'hono/method-not-allowed'
import { secureHeaders } from 'hono/secure-headers'
import type { Context, MiddlewareHandler } from 'hono'
import { adminRouter } from './features/admin'
import { authRouter } from './features/auth'
import { deadLettersRouter } from './features/dead-letters'
import { docsRouter } from './features/docs'
import { devRouter } from './features/dev'
import { graphqlRouter } from './features/graphql'
import { healthRouter } from './features/health'
import { metricsRouter } from './features/metrics'
import { jobsRouter } from './features/jobs'
import { notificationsRouter } from './features/notifications'
import { paymentsRouter } from './features/payments'
import { postsRouter } from './features/posts'
import { projectsRouter } from './features/projects'
import { uploadsRouter } from './features/uploads'
import { rbacRouter } from './features/rbac'
import { readingsRouter } from './features/readings'
import { alertsRouter } from './features/alerts'
import { dashboardRouter } from './features/dashboard'
import { realtimeRouter } from './features/realtime'
import { customersRouter } from './features/customers'
import { locationsRouter } from './features/locations'
import { coldCellsRouter } from './features/coldcells'
import { devicesRouter } from './features/devices'
import { schedulerRouter } from './features/scheduler'
import { searchRouter } from './features/search'
import { tasksRouter } from './features/tasks'
import { usersRouter } from './features/users'
import { principalSource } from './features/rbac/access.service'
import { claimsOf, principals } from './lib/auth'
import { createRouter } from './lib/create-router'
import { requestMetrics } from './lib/metrics/middleware'
import { openApiDocument } from './lib/openapi'
import { errorBody } from './lib/envelope'
import { ApiError } from './lib/errors'
import { isExemptFromApiLimit } from './lib/rate-limit/exempt'
import { clientIp, rateLimit } from './lib/rate-limit/middleware'
import { requestContext, services } from './lib/request-context'
import type { AppEnv } from './lib/types'

/** The API limiter's key: the user of a valid bearer token, else the client IP (an invalid token is the route's concern). */
async function apiClientKey(c: Context<AppEnv>) {
  const claims = await claimsOf(c).catch(() => undefined)
  return claims ? `user:${claims.sub}` : `ip:${clientIp(c)}`
}

/** CORS_ORIGINS' middleware, built once per config. */
function corsFromConfig(): MiddlewareHandler<AppEnv> {
  const built = new WeakMap<object, MiddlewareHandler>()
  return async function corsFromConfig(c, next) {
    const config = c.get('config')
    let handler = built.get(config)
    if (!handler) {
      const origins = config.CORS_ORIGINS
      handler = cors({
        origin: origins.includes('*') ? '*' : origins,
        allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'Idempotency-Key', 'Last-Event-ID'],
        exposeHeaders: [
          'X-Request-Id',
          'RateLimit-Limit',
          'RateLimit-Remaining',
          'RateLimit-Reset',
          'RateLimit-Policy',
          'Retry-After',
        ],
        maxAge: 600,
      })
      built.set(config, handler)
    }
    return handler(c, next)
  }
}

function limitBody(): MiddlewareHandler<AppEnv> {
  const built = new WeakMap<object, MiddlewareHandler>()
  return async function limitBody(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    // File bodies stream to R2 under their own per-file and per-request limits (features/uploads).
    if (/^\/api\/v1\/uploads(\/multiple|\/sessions\/[^/]+\/parts\/[^/]+)?$/.test(c.req.path)) return next()
    const config = c.get('config')
    let handler = built.get(config)
    if (!handler) {
      const maxSize = config.MAX_BODY_BYTES
      handler = bodyLimit({
        maxSize,
        onError: () => {
          throw new ApiError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxSize} bytes`)
        },
      })
      built.set(config, handler)
    }
    return handler(c, next)
  }
}

export function createApp() {
  const app = createRouter()
  app.use(requestContext())
  app.use(requestMetrics())
  app.use(secureHeaders({ crossOriginResourcePolicy: 'same-site' }))
  app.use(services())
  app.use(principals(principalSource, app))
  app.use(corsFromConfig())
  app.use(limitBody())
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        c.json(
          errorBody('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}`, { allow: methods }),
          405,
          {
            Allow: methods.join(', '),
          },
        ),
    }),
  )

  const api = createRouter()
  // Every API call counts, per user when the bearer token verifies, else per client IP; probes are
  // exempt so monitors never trip the limit, and so are the routes that declare it (device ingest).
  api.use(
    rateLimit({
      bucket: 'api',
      rule: (config) => config.RATE_LIMIT_API,
      key: apiClientKey,
      lease: true,
      skip: (c) => c.req.path.startsWith('/api/v1/health') || isExemptFromApiLimit(c),
    }),
  )
  const routes = api
    .route('/', healthRouter)
    .route('/', authRouter)
    // Before usersRouter: PUT /users/plan must not be taken for PUT /users/{id}.
    .route('/', jobsRouter)
    .route('/', usersRouter)
    .route('/', rbacRouter)
    .route('/', adminRouter)
    .route('/', deadLettersRouter)
    .route('/', schedulerRouter)
    .route('/', readingsRouter)
    .route('/', alertsRouter)
    .route('/', dashboardRouter)
    .route('/', realtimeRouter)
    .route('/', customersRouter)
    .route('/', locationsRouter)
    .route('/', coldCellsRouter)
    .route('/', devicesRouter)
    .route('/', notificationsRouter)
    .route('/', paymentsRouter)
    .route('/', uploadsRouter)
    .route('/', projectsRouter)
    .route('/', tasksRouter)
    .route('/', postsRouter)
    .route('/', searchRouter)
    .route('/', graphqlRouter)
    .route('/', devRouter)
  const mounted = app.route('/api/v1', routes)

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'deviceKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-device-key',
    description: "A device's key, shown once when the device is created or its key regenerated",
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The METRICS_TOKEN secret, for a Prometheus scraper (GET /metrics)',
  })
  let document: ReturnType<typeof openApiDocument> | undefined
  return mounted.route('/', metricsRouter).route(
    '/',
    docsRouter(() => (document ??= openApiDocument(app))),
  )
}

export const app = createApp()

/** Every route with its inputs and outputs, for `hc<AppType>` (src/client.ts). */
export type AppType = typeof app
