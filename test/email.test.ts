import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { emails } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { CLAIM_SECONDS, enqueueEmail } from '../src/features/email/email.service'
import type { EmailMessage } from '../src/features/email/email.templates'
import { deliverEmails as deliver } from './queue-delivery'
import { retryDelay } from '../src/queues/email'
import { mockFetchFor, readMailbox, withDb } from './helpers'
import { eq } from 'drizzle-orm'

const message = (over: Partial<EmailMessage> = {}): EmailMessage => ({
  id: crypto.randomUUID(),
  to: `m-${crypto.randomUUID().slice(0, 8)}@example.com`,
  template: 'verify-email',
  data: { name: 'Ada', code: '123456' },
  ...over,
})

const rowsFor = (id: string) => withDb((db) => db.select().from(emails).where(eq(emails.id, id)))

afterEach(() => vi.restoreAllMocks())

describe('email queue', () => {
  it('delivers a queued email through the real queue, readable with its OTP as a field', async () => {
    const to = `queue-${crypto.randomUUID().slice(0, 8)}@example.com`
    await enqueueEmail(loadConfig(env), to, 'verify-email', { name: 'Ada', code: '654321' })
    const [mail] = await readMailbox(to)
    expect(mail?.subject).toBe('Your Outpost verification code')
    expect(mail?.data).toEqual({ name: 'Ada', code: '654321' })
    expect(mail?.text).toContain('654321')
  })

  it('stores a message delivered twice only once, and acks both', async () => {
    const m = message()
    const result = await deliver([m, m])
    expect(result.explicitAcks.sort()).toEqual(['m0', 'm1'])
    expect(result.retryMessages).toEqual([])
    expect(await rowsFor(m.id)).toHaveLength(1)
    const again = await deliver([m])
    expect(again.explicitAcks).toEqual(['m0'])
    expect(await rowsFor(m.id)).toHaveLength(1)
  })

  it('logs at LOG_LEVEL: nothing below it, as the request log', async () => {
    const lines: string[] = []
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line))
    const delivered = () => lines.filter((l) => (JSON.parse(l) as { msg: string }).msg === 'email delivered').length
    await deliver([message()], { LOG_LEVEL: 'error' })
    expect(delivered()).toBe(0)
    await deliver([message()], { LOG_LEVEL: 'info' })
    expect(delivered()).toBe(1)
  })

  it('acks and drops a malformed message instead of retrying it forever', async () => {
    const bad = { ...message(), template: 'nope' } as unknown as EmailMessage
    const result = await deliver([bad])
    expect(result.explicitAcks).toEqual(['m0'])
    expect(await rowsFor(bad.id)).toHaveLength(0)
  })

  describe('with the http provider', () => {
    const httpVars = { EMAIL_PROVIDER: 'http', EMAIL_API_URL: 'https://mail.example/send', EMAIL_API_KEY: 'key-123' }

    it('posts to the provider with the message id as Idempotency-Key', async () => {
      const calls: Request[] = []
      mockFetchFor('https://mail.example', (req) => {
        calls.push(req)
        return new Response('{}', { status: 202 })
      })
      const m = message()
      const result = await deliver([m], httpVars)
      expect(result.explicitAcks).toEqual(['m0'])
      expect(calls).toHaveLength(1)
      expect(calls[0]!.headers.get('idempotency-key')).toBe(m.id)
      expect(calls[0]!.headers.get('authorization')).toBe('Bearer key-123')
      expect(await calls[0]!.json()).toMatchObject({ to: m.to, subject: 'Your Outpost verification code' })
    })

    it('retries only the message whose send failed, with a backoff delay', async () => {
      const failing = message()
      const fine = message()
      mockFetchFor('https://mail.example', async (req) => {
        const body = (await req.json()) as { to: string }
        return new Response('', { status: body.to === failing.to ? 500 : 200 })
      })
      const result = await deliver([failing, fine], httpVars)
      expect(result.explicitAcks).toEqual(['m1'])
      expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['m0'])
      expect((await rowsFor(failing.id))[0]?.status).toBe('sending')
      expect((await rowsFor(fine.id))[0]?.status).toBe('sent')
    })

    it('a failed send releases its claim: the retry sends at once', async () => {
      let fail = true
      const calls: string[] = []
      mockFetchFor('https://mail.example', (req) => {
        calls.push(req.headers.get('idempotency-key')!)
        return new Response('', { status: fail ? 503 : 202 })
      })
      const m = message()
      expect((await deliver([m], httpVars)).retryMessages).toHaveLength(1)
      fail = false
      expect((await deliver([m], httpVars)).explicitAcks).toEqual(['m0'])
      expect(calls).toEqual([m.id, m.id])
      expect((await rowsFor(m.id))[0]).toMatchObject({ status: 'sent', claimedUntil: null })
    })

    it('waits out the claim of a delivery that died mid-send, then sends once', async () => {
      const calls: string[] = []
      mockFetchFor('https://mail.example', (req) => {
        calls.push(req.headers.get('idempotency-key')!)
        return new Response('{}', { status: 202 })
      })
      const m = message()
      // What a delivery that stored and claimed the email, then died before the provider answered, leaves.
      await withDb((db) =>
        db.insert(emails).values({
          id: m.id,
          to: m.to,
          template: m.template,
          subject: 's',
          text: 't',
          provider: 'http',
          claimedUntil: new Date(Date.now() + 60_000),
        }),
      )
      const held = await deliver([m], httpVars)
      expect(held.retryMessages).toEqual([{ msgId: 'm0', delaySeconds: CLAIM_SECONDS }])
      expect(calls).toEqual([])
      await withDb((db) =>
        db
          .update(emails)
          .set({ claimedUntil: new Date(Date.now() - 1000) })
          .where(eq(emails.id, m.id)),
      )
      expect((await deliver([m], httpVars)).explicitAcks).toEqual(['m0'])
      expect(calls).toEqual([m.id])
      expect((await rowsFor(m.id))[0]?.status).toBe('sent')
    })
  })
})

describe('retry backoff', () => {
  it('doubles from 10 s per attempt up to 10 minutes', () => {
    expect([1, 2, 3, 4, 7, 20].map(retryDelay)).toEqual([10, 20, 40, 80, 600, 600])
  })
})

describe('GET /api/v1/dev/mailbox', () => {
  const dev = { ...env, ENVIRONMENT: 'development' } as Env

  it('lists the mail stored for an address in development', async () => {
    const m = message()
    await deliver([m])
    const res = await app.request(`/api/v1/dev/mailbox?to=${encodeURIComponent(m.to)}`, {}, dev)
    expect(res.status).toBe(200)
    const body = await res.json<{ data: { data: { code: string } }[] }>()
    expect(body.data).toHaveLength(1)
    expect(body.data[0]!.data.code).toBe('123456')
  })

  it('does not exist outside development', async () => {
    const res = await app.request('/api/v1/dev/mailbox?to=a@example.com', {}, env)
    expect(res.status).toBe(404)
  })

  it('answers 422 for an invalid address', async () => {
    const res = await app.request('/api/v1/dev/mailbox?to=not-an-email', {}, dev)
    expect(res.status).toBe(422)
  })
})
