import type { Config } from '../env'
import type { Database } from '../db/client'
import { errorFields, log } from './logger'

/** Every domain event and its payload. Features add theirs (user.*, task.*, alert.*…). */
export type DomainEvents = {
  'job.failed': { jobId: string; userId: string; jobName: string; executionId: string; error: string | null; consecutiveFailures: number; paused: boolean }
}

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
      (listener as Listener<K>)(payload, ctx).catch((err: unknown) => log('error', 'event listener failed', { event, ...errorFields(err) })),
    ),
  )
}
