import { env } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../src/env'
import type { DomainEvents } from '../src/events'
import { listeners } from '../src/events/listeners'
import { createEmitter } from '../src/lib/events'
import { withDb } from './helpers'

const payload = {
  jobId: crypto.randomUUID(),
  userId: crypto.randomUUID(),
  jobName: 'x',
  executionId: crypto.randomUUID(),
  error: 'TIMEOUT',
  consecutiveFailures: 1,
  paused: false,
}

// Every domain event, from the type: a name missing or extra here does not compile, so the run-time
// check below follows DomainEvents.
const EVENT_NAMES = Object.keys({
  'job.failed': true,
  'user.created': true,
  'user.deleted': true,
  'alert.triggered': true,
  'alert.resolved': true,
  'alert.escalated': true,
  'payment.completed': true,
  'payment.failed': true,
  'task.assigned': true,
} satisfies Record<keyof DomainEvents, true>)

describe('domain events', () => {
  it('runs every listener, and a failing one is logged without failing the emitter or the others', async () => {
    const seen: string[] = []
    const { emit } = createEmitter<DomainEvents>(() => ({
      ...listeners,
      'job.failed': [
        async () => {
          throw new Error('listener broke')
        },
        async (p) => void seen.push(p.jobId),
      ],
    }))
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    await withDb((db) => expect(emit('job.failed', payload, { db, config: loadConfig(env) })).resolves.toBeUndefined())
    expect(seen).toEqual([payload.jobId])
    expect(errors.mock.calls.some(([line]) => String(line).includes('listener broke'))).toBe(true)
    errors.mockRestore()
  })

  it('has an entry in the listener map for every event type, each a non-empty list of functions', () => {
    expect(Object.keys(listeners).sort()).toEqual([...EVENT_NAMES].sort())
    for (const name of EVENT_NAMES) {
      const entry: unknown[] = listeners[name as keyof DomainEvents]
      expect(entry.length, name).toBeGreaterThan(0)
      for (const listener of entry) expect(typeof listener, name).toBe('function')
    }
  })
})
