import { env } from 'cloudflare:workers'
import { createExecutionContext, createScheduledController } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { runMinuteTick, type SystemJob } from '../src/schedules'

describe('minute tick', () => {
  it('runs the jobs due at the scheduled time and skips the rest', async () => {
    const ran: string[] = []
    const job = (name: string, due: SystemJob['due']): SystemJob => ({ name, due, run: async () => void ran.push(name) })
    const at = Date.UTC(2026, 0, 5, 9, 0)
    const result = await runMinuteTick({ cron: '* * * * *', scheduledTime: at }, env, [
      job('hourly', (d) => d.getUTCMinutes() === 0),
      job('at-06', (d) => d.getUTCHours() === 6 && d.getUTCMinutes() === 0),
    ])
    expect(ran).toEqual(['hourly'])
    expect(result).toEqual({ ran: ['hourly'], failed: [] })
  })

  it('keeps running the other jobs when one fails', async () => {
    const ran: string[] = []
    const result = await runMinuteTick({ cron: '* * * * *', scheduledTime: Date.now() }, env, [
      { name: 'broken', due: () => true, run: async () => Promise.reject(new Error('boom')) },
      { name: 'fine', due: () => true, run: async () => void ran.push('fine') },
    ])
    expect(ran).toEqual(['fine'])
    expect(result.failed).toEqual(['broken'])
  })

  it('is wired as the Worker scheduled handler', async () => {
    const controller = createScheduledController({ cron: '* * * * *', scheduledTime: new Date() })
    await expect(worker.scheduled(controller, env, createExecutionContext())).resolves.toBeUndefined()
  })
})
