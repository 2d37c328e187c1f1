import type { MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Config } from '../../env'
import { waitUntil } from '../request-context'
import type { AppEnv } from '../types'
import type { Batch } from './catalog'
import { count, observe, recorder } from './recorder'

/** How often each isolate sends its batch, at most. What a scrape can miss is at most this much of each isolate. */
export const FLUSH_INTERVAL_MS = 5_000

/** The one MetricsStore object. */
export const metricsStore = (config: Config) => {
  const ns = config.bindings.METRICS
  return ns.get(ns.idFromName('all'))
}

/** Sends a batch to the store. */
export const sendBatch = (config: Config) => (batch: Batch) => metricsStore(config).add(batch)

/**
 * Hands the flush now due (if any) to `waitUntil`: from requests and Durable Objects. `wait: false` (queue batches,
 * whose `waitUntil` holds the batch's completion) sends only when the interval is up, never waits for it; what it
 * leaves goes with the isolate's next flush.
 */
export function flushSoon(config: Config, waitUntil: (flush: Promise<void>) => void, wait = true) {
  const flush = recorder.flushDue(sendBatch(config), FLUSH_INTERVAL_MS, Date.now(), wait)
  if (flush) waitUntil(flush)
}

/**
 * Counts every request by method, route pattern (`/api/v1/users/:id`, never the raw path: bounded label values)
 * and status, and times it; the batch leaves the isolate through `waitUntil`, after the response.
 */
export function requestMetrics(): MiddlewareHandler<AppEnv> {
  return async function requestMetrics(c, next) {
    const started = performance.now()
    try {
      await next()
    } finally {
      const endpoint = matchedRoutes(c).findLast((r) => r.method !== 'ALL')
      const route = endpoint?.path ?? 'unmatched'
      const method = c.req.method
      count('http_requests_total', { method, route, status: String(c.res.status) })
      observe('http_request_duration_seconds', { method, route }, (performance.now() - started) / 1000)
      const config = c.get('config')
      if (config) flushSoon(config, (flush) => waitUntil(c, flush))
    }
  }
}
