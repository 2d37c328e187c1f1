import type { Context, MiddlewareHandler } from 'hono'
import { databaseOf, poolOf, type PoolDatabase } from '../db/client'
import { loadConfig } from '../env'
import { log } from './logger'
import type { AppEnv } from './types'

const REQUEST_ID = /^[\w.:-]{1,128}$/
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/

/**
 * Request id (propagated from `X-Request-Id`, else the W3C `traceparent` trace id, else new),
 * then one JSON log line per request with method, path, status, duration, user and ids.
 */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const started = Date.now()
    const traceId = TRACEPARENT.exec(c.req.header('traceparent') ?? '')?.[1]
    const incoming = c.req.header('x-request-id')
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : (traceId ?? crypto.randomUUID())
    c.set('requestId', requestId)
    if (traceId) c.set('traceId', traceId)
    try {
      await next()
    } finally {
      c.res.headers.set('X-Request-Id', requestId)
      const status = c.res.status
      log(status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info', 'request', {
        method: c.req.method,
        path: c.req.path,
        status,
        durationMs: Date.now() - started,
        userId: c.get('user')?.id,
        requestId,
        traceId,
      })
    }
  }
}

/**
 * Validated config, the database over HTTP (no connection to open or close), and a WebSocket
 * pool for interactive transactions, opened on first use and closed after the response is sent.
 */
export function services(): MiddlewareHandler<AppEnv> {
  return async function services(c, next) {
    const config = loadConfig(c.env)
    c.set('config', config)
    c.set('db', databaseOf(config))
    let pool: ReturnType<typeof poolOf> | undefined
    const real = () => (pool ??= poolOf(config)).db
    c.set(
      'pool',
      new Proxy({} as PoolDatabase, {
        get(_, prop) {
          const value = Reflect.get(real(), prop)
          return typeof value === 'function' ? value.bind(real()) : value
        },
      }),
    )
    try {
      await next()
    } finally {
      if (pool) waitUntil(c, pool.close())
    }
  }
}

/** `executionCtx.waitUntil` when there is one (not under `app.request` in tests), else fire and forget. */
export function waitUntil(c: Context, promise: Promise<unknown>) {
  const settled = promise.catch((err: unknown) => log('warn', 'background task failed', { error: String(err) }))
  try {
    c.executionCtx.waitUntil(settled)
  } catch {
    // No ExecutionContext: the promise still runs, unobserved.
  }
}
