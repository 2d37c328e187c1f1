import { LeadFailed } from '../db/lead-statement'
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ZodError } from 'zod'
import { ConfigError } from '../env'
import { errorBody } from './envelope'
import { DEPENDENCY_RETRY_AFTER_S, isDependencyFailure } from './dependency-errors'
import { ApiError, type ErrorCode } from './errors'
import { errorFields, log } from './logger'
import { unstorableFields } from './storable-text'
import type { AppEnv } from './types'

/** Turns a zod error into `{ "body.field": reason }`. */
export function zodDetails(error: ZodError, target?: string) {
  const details: Record<string, string> = {}
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path]
    for (const path of keys) {
      const field = [target, ...path.map(String)].filter(Boolean).join('.') || target || 'input'
      details[field] ??= issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message
    }
  }
  return details
}

const HTTP_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'VALIDATION_ERROR',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
}

/** The envelope for any thrown value. Stack traces only leave the Worker in development. */
export function handleError(err: unknown, c: Context<AppEnv>) {
  if (err instanceof ApiError) {
    // Every 503 tells the client when to come back, whoever threw it.
    const headers =
      err.status === 503 ? { 'Retry-After': String(DEPENDENCY_RETRY_AFTER_S), ...err.headers } : err.headers
    return c.json(errorBody(err.code, err.message, err.details), err.status, headers)
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode
    const code = HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST')
    const headers = status === 503 ? { 'Retry-After': String(DEPENDENCY_RETRY_AFTER_S) } : undefined
    return c.json(errorBody(code, err.message || code), status, headers)
  }
  // The caller changed under a remembered read: requireAuth answers for it, the route's error is moot.
  if (err instanceof LeadFailed || (err instanceof Error && err.cause instanceof LeadFailed)) {
    return c.json(errorBody('INVALID_TOKEN', 'Session is no longer valid'), 401)
  }
  const requestId = c.get('requestId')
  if (isDependencyFailure(err)) {
    log('warn', 'dependency failure', { requestId, ...errorFields(err) }, c.get('config')?.LOG_LEVEL)
    return c.json(errorBody('DEPENDENCY_DOWN', 'A service this request needs is unavailable; try again shortly'), 503, {
      'Retry-After': String(DEPENDENCY_RETRY_AFTER_S),
    })
  }
  if (err instanceof ConfigError) {
    log('error', 'invalid configuration', { requestId, issues: err.issues })
    return c.json(errorBody('CONFIG_ERROR', err.message), 500)
  }
  log('error', 'unhandled error', { requestId, ...errorFields(err) })
  const dev = c.get('config')?.isDev
  const details = dev && err instanceof Error ? { stack: err.stack } : undefined
  return c.json(
    errorBody('INTERNAL_ERROR', dev && err instanceof Error ? err.message : 'Internal server error', details),
    500,
  )
}

export function handleNotFound(c: Context<AppEnv>) {
  return c.json(errorBody('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`), 404)
}

/**
 * Every router comes from here, so validation failures, unknown routes and thrown errors all
 * share one envelope. A body that fails its schema is 422, and so is any validated string Postgres cannot
 * store (a NUL) or that is not Unicode (a lone surrogate); unreadable JSON is 400 (hono's validator).
 */
export function createRouter() {
  const router = new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) {
        throw ApiError.validation(zodDetails(result.error as ZodError, result.target))
      }
      // Every string a route accepts (body, query, path, headers) passes here once, before any handler.
      const unstorable = unstorableFields(result.data, result.target)
      if (unstorable) throw ApiError.validation(unstorable)
    },
  })
  router.notFound(handleNotFound)
  router.onError(handleError)
  return router
}

export type AppRouter = ReturnType<typeof createRouter>
