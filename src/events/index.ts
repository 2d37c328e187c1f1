import { createEmitter } from '../lib/events'
import { listeners } from './listeners'
import type { DomainEvents } from './types'

export type { EventContext } from '../lib/events'
export type { AlertEvent, DomainEvents } from './types'

/** Emits a domain event to the listeners ./listeners.ts names for it (read at each emit). */
export const { emit, emitAfterResponse } = createEmitter<DomainEvents>(() => listeners)
