import { env } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../src/env'
import { emit, on } from '../src/lib/events'
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

describe('domain events', () => {
  it('runs every listener, and a failing one is logged without failing the emitter or the others', async () => {
    const seen: string[] = []
    on('job.failed', async () => {
      throw new Error('listener broke')
    })
    on('job.failed', async (p) => void seen.push(p.jobId))
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    await withDb((db) => expect(emit('job.failed', payload, { db, config: loadConfig(env) })).resolves.toBeUndefined())
    expect(seen).toEqual([payload.jobId])
    expect(errors.mock.calls.some(([line]) => String(line).includes('listener broke'))).toBe(true)
    errors.mockRestore()
  })
})
