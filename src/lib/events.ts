import type { Context } from 'hono'
import type { Config } from '../env'
import type { Database } from '../db/client'
import { errorFields, log } from './logger'
import { waitUntil } from './request-context'
import type { AppEnv } from './types'

/**
 * What listeners run with. `db` must stay open until every listener has settled, so it is never
 * a request's pool (closed with the response): request handlers use `emitAfterResponse`.
 */
export type EventContext = { db: Database; config: Config }

/** One reaction to an event; it runs after the data the event describes is committed. */
export type Listener<P> = (payload: P, ctx: EventContext) => Promise<void>

/** Every event of `E` with its listeners; an event left out is a compile error. */
export type ListenerMap<E> = { [K in keyof E]: Listener<E[K]>[] }

/**
 * `emit` and `emitAfterResponse` over the events `E`. The map is read at each emit, not when this
 * runs: emitters and listeners reach each other through it, and an import cycle may not have
 * finished loading it yet.
 */
export function createEmitter<E>(listenersOf: () => ListenerMap<E>) {
  /**
   * Runs every listener of `event`. Call it only after the data the event describes is committed.
   * A failing listener is logged and never fails the caller or the other listeners; pass the
   * promise to waitUntil to keep it off the response path.
   */
  async function emit<K extends keyof E>(event: K, payload: E[K], ctx: EventContext) {
    await Promise.all(
      listenersOf()[event].map((listener) =>
        listener(payload, ctx).catch((err: unknown) =>
          log('error', 'event listener failed', { event: String(event), ...errorFields(err) }),
        ),
      ),
    )
  }

  /**
   * `emit` from a request handler, once the write is committed: the listeners run under waitUntil,
   * after the response.
   */
  function emitAfterResponse<K extends keyof E, C extends AppEnv>(c: Context<C>, event: K, payload: E[K]) {
    const config = c.get('config')
    waitUntil(c, emit(event, payload, { db: c.get('db'), config }))
  }

  return { emit, emitAfterResponse }
}
