import type { Context } from 'hono'
import type { Config } from '../env'
import { withDatabase, type Database } from '../db/client'
import { errorFields, log } from './logger'
import { waitUntil } from './request-context'
import type { AppEnv } from './types'
import type { AlertOut } from '../features/alerts/alerts.store'

/** Every domain event and its payload. Features add theirs (user.*, task.*, alert.*…). */
export type DomainEvents = {
  'job.failed': {
    jobId: string
    userId: string
    jobName: string
    executionId: string
    error: string | null
    consecutiveFailures: number
    paused: boolean
  }
  'user.created': { userId: string; email: string; name: string }
  'user.deleted': { userId: string; email: string }
  'alert.triggered': AlertEvent
  'alert.resolved': AlertEvent
  'alert.escalated': AlertEvent
}

/** An alert transition, with what a notification needs to say where it happened. */
export type AlertEvent = { alert: AlertOut; serialNumber: string; coldCellName: string }

/**
 * What listeners run with. `db` must stay open until every listener has settled, so it is never
 * a request's pool (closed with the response): request handlers use `emitAfterResponse`.
 */
export type EventContext = { db: Database; config: Config }
type Listener<K extends keyof DomainEvents> = (payload: DomainEvents[K], ctx: EventContext) => Promise<void>

type AnyListener = (payload: never, ctx: EventContext) => Promise<void>
const listeners = new Map<keyof DomainEvents, AnyListener[]>()

/** Registers a listener; features call this at module load. */
export function on<K extends keyof DomainEvents>(event: K, listener: Listener<K>) {
  listeners.set(event, [...(listeners.get(event) ?? []), listener as AnyListener])
}

/**
 * Runs every listener of `event`. Call it only after the data the event describes is committed.
 * A failing listener is logged and never fails the caller; pass the promise to waitUntil to keep
 * it off the response path.
 */
export async function emit<K extends keyof DomainEvents>(event: K, payload: DomainEvents[K], ctx: EventContext) {
  await Promise.all(
    (listeners.get(event) ?? []).map((listener) =>
      (listener as Listener<K>)(payload, ctx).catch((err: unknown) =>
        log('error', 'event listener failed', { event, ...errorFields(err) }),
      ),
    ),
  )
}

/**
 * `emit` from a request handler, once the write is committed: the listeners run under waitUntil,
 * after the response, on a pool of their own since the request's closes with the response.
 */
export function emitAfterResponse<K extends keyof DomainEvents, E extends AppEnv>(
  c: Context<E>,
  event: K,
  payload: DomainEvents[K],
) {
  const config = c.get('config')
  waitUntil(
    c,
    withDatabase({ url: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY }, (db) =>
      emit(event, payload, { db, config }),
    ),
  )
}
