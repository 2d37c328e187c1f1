/// <reference types="vite/client" />
/**
 * Queue redelivery (issue 17, part 3): every consumer in wrangler.toml gets each message three times, one after
 * another and all at once (in one batch and in three batches), and applies it once. A consumer added to
 * wrangler.toml without a case here fails the first test.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { and, eq } from 'drizzle-orm'
import wrangler from '../wrangler.toml?raw'
import { deadLetters, emails } from '../src/db/schema'
import type { EmailMessage } from '../src/features/email/email.templates'
import { mockFetchFor, seedUser, withDb } from './helpers'
import { deliverBatch } from './queue-delivery'
import { dispatchedExecution, ECHO, executionsOf, hitsFor } from './jobs-fixtures'

afterEach(() => vi.restoreAllMocks())

const consumers = [...wrangler.matchAll(/\[\[queues\.consumers\]\]\s*\nqueue\s*=\s*"([^"]+)"/g)].map((m) => m[1])

type Case = {
  /** A fresh message, and how many times it was applied so far. */
  setup: () => Promise<{ body: unknown; applied: () => Promise<number>; vars?: Partial<Env> }>
}

const httpMail = { EMAIL_PROVIDER: 'http', EMAIL_API_URL: 'https://mail.example/send', EMAIL_API_KEY: 'key-123' }
const mail = (): EmailMessage => ({
  id: crypto.randomUUID(),
  to: `r-${crypto.randomUUID().slice(0, 8)}@example.com`,
  template: 'verify-email',
  data: { name: 'Ada', code: '123456' },
})

const deadLettersOf = (queue: 'email' | 'jobs', messageId: string) =>
  withDb(
    async (db) =>
      (
        await db
          .select()
          .from(deadLetters)
          .where(and(eq(deadLetters.queue, queue), eq(deadLetters.messageId, messageId)))
      ).length,
  )

const CASES: Record<string, Case> = {
  email: {
    setup: async () => {
      const m = mail()
      const keys: (string | null)[] = []
      mockFetchFor('https://mail.example', async (req) => {
        keys.push(req.headers.get('idempotency-key'))
        // A provider that takes a moment, so concurrent deliveries overlap the send.
        await new Promise((r) => setTimeout(r, 50))
        return Response.json({ id: 'provider-id' })
      })
      const stored = async () =>
        withDb(async (db) => (await db.select().from(emails).where(eq(emails.id, m.id))).length)
      // Applied = stored once and handed to the provider once, with the message id as its Idempotency-Key:
      // a concurrent duplicate finds the send claimed and is asked back later instead of calling it too.
      const applied = async () => {
        expect(await stored()).toBe(1)
        expect(new Set(keys)).toEqual(new Set([m.id]))
        return keys.length
      }
      return { body: m, applied, vars: httpMail }
    },
  },
  jobs: {
    setup: async () => {
      const { token } = await seedUser()
      const tag = `/ok?redeliver=${crypto.randomUUID()}`
      const { jobId, execution } = await dispatchedExecution(token, { targetUrl: `${ECHO}${tag}` })
      const applied = async () => {
        const [row] = await executionsOf(jobId)
        expect(row).toMatchObject({ status: 'SUCCESS', attempt: 1 })
        return (await hitsFor(tag)).length
      }
      return { body: { executionId: execution.id }, applied, vars: { ENVIRONMENT: 'development' } }
    },
  },
  'email-dlq': { setup: async () => dlqCase('email', mail()) },
  'jobs-dlq': { setup: async () => dlqCase('jobs', { executionId: crypto.randomUUID() }) },
}

let dlqMessage = ''
function dlqCase(queue: 'email' | 'jobs', body: unknown) {
  dlqMessage = crypto.randomUUID()
  const id = dlqMessage
  return { body, applied: () => deadLettersOf(queue, id) }
}

describe('queue redelivery', () => {
  it('has a redelivery case for every consumer in wrangler.toml', () => {
    expect(consumers.length).toBeGreaterThan(0)
    expect(consumers.sort()).toEqual(Object.keys(CASES).sort())
  })

  for (const queue of Object.keys(CASES)) {
    describe(queue, () => {
      it('applies a message delivered 3 times in a row once', async () => {
        const { body, applied, vars } = await CASES[queue]!.setup()
        const id = queue.endsWith('-dlq') ? dlqMessage : crypto.randomUUID()
        for (let i = 0; i < 3; i++) {
          const result = await deliverBatch(queue, [{ id, body }], vars)
          expect(result.explicitAcks, `delivery ${i + 1}`).toEqual([id])
        }
        expect(await applied()).toBe(1)
      })

      it('applies a message delivered 3 times at once, in one batch and in three batches, once', async () => {
        const { body, applied, vars } = await CASES[queue]!.setup()
        const id = queue.endsWith('-dlq') ? dlqMessage : crypto.randomUUID()
        const results = await Promise.all([
          deliverBatch(queue, [{ id, body }], vars),
          deliverBatch(queue, [{ id, body }], vars),
          deliverBatch(
            queue,
            [0, 1, 2].map(() => ({ id, body })),
            vars,
          ),
        ])
        // A duplicate that finds the message mid-run may be asked back later (the jobs consumer looks again once
        // the running attempt must have ended): delivered again, as the queue would, it is acked.
        const retried = results.flatMap((r) => r.retryMessages)
        for (const _ of retried) expect((await deliverBatch(queue, [{ id, body }], vars)).explicitAcks).toEqual([id])
        expect(await applied()).toBe(1)
      })
    })
  }
})
