/** The emails of an account's life: links in the verification and reset mails, welcome, deletion. */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../src/env'
import { emit } from '../src/events'
import type { EmailMessage } from '../src/features/email/email.templates'
import { deliverEmails as deliver } from './queue-delivery'
import { api, call, data, mockFetchFor, readMailbox, seedUser, tag, withDb } from './helpers'

const APP_URL = loadConfig(env).APP_URL
const post = <T = unknown>(path: string, json: unknown) => api<T>(`/api/v1${path}`, { method: 'POST', json })
/** The one link to `page` in a mail's text. */
const linkIn = (text: string, page: string) => {
  const links = [...text.matchAll(/https?:\/\/\S+/g)].map((m) => new URL(m[0])).filter((u) => u.pathname === page)
  expect(links, text).toHaveLength(1)
  return links[0]!
}

afterEach(() => vi.restoreAllMocks())

describe('verification and reset links', () => {
  it('mails a link to APP_URL/verify-email with the address and code, which verifies the account', async () => {
    expect(APP_URL).toBe('http://localhost:3000')
    const email = `link+${tag()}@example.com`
    expect((await post('/auth/register', { email, password: 'a perfectly fine password', name: 'Ada' })).status).toBe(
      201,
    )
    const [mail] = await readMailbox(email, { template: 'verify-email' })
    const code = String(mail!.data.code)
    expect(code).toMatch(/^\d{6}$/)
    expect(mail!.text).toContain(code)
    const link = linkIn(mail!.text, '/verify-email')
    expect(link.origin).toBe(APP_URL)
    expect(link.search).toContain(`email=${encodeURIComponent(email)}`)
    expect(Object.fromEntries(link.searchParams)).toEqual({ email, code })
    // The frontend page posts what the link carries.
    const verified = await post<{ emailVerified: boolean }>('/auth/verify', Object.fromEntries(link.searchParams))
    expect(data(verified).emailVerified).toBe(true)
  })

  it('mails a link to APP_URL/reset-password with the token, which resets the password', async () => {
    const { user } = await seedUser()
    expect((await post('/auth/forgot-password', { email: user.email })).status).toBe(202)
    const [mail] = await readMailbox(user.email, { template: 'reset-password' })
    const token = String(mail!.data.token)
    expect(mail!.text).toContain(token)
    const link = linkIn(mail!.text, '/reset-password')
    expect(link.origin).toBe(APP_URL)
    expect(Object.fromEntries(link.searchParams)).toEqual({ token })
    const reset = await post('/auth/reset-password', {
      token: link.searchParams.get('token'),
      password: 'a new password!',
    })
    expect(reset.status).toBe(200)
    expect((await post('/auth/login', { email: user.email, password: 'a new password!' })).status).toBe(200)
  })

  it('keeps the path of an APP_URL served under one, with or without its trailing slash', async () => {
    const to = `path-${tag()}@example.com`
    const m: EmailMessage = {
      id: crypto.randomUUID(),
      to,
      template: 'verify-email',
      data: { name: 'Ada', code: '123456' },
    }
    await deliver([m], { APP_URL: 'https://app.example.com/outpost/' })
    const [mail] = await readMailbox(to)
    expect(mail!.text).toContain(
      `https://app.example.com/outpost/verify-email?email=${encodeURIComponent(to)}&code=123456`,
    )
  })
})

describe('welcome email', () => {
  it('welcomes a new account by email, beside its verification code and in-app welcome', async () => {
    const email = `welcome-${tag()}@example.com`
    expect((await post('/auth/register', { email, password: 'a perfectly fine password', name: 'Grace' })).status).toBe(
      201,
    )
    const [welcome] = await readMailbox(email, { template: 'welcome' })
    expect(welcome).toMatchObject({ subject: 'Welcome to Outpost, Grace', data: { name: 'Grace' } })
    expect(welcome!.text).toContain(APP_URL)
    expect(await readMailbox(email, { template: 'verify-email' })).toHaveLength(1)
  })

  it('welcomes an account an admin creates', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    const email = `created-${tag()}@example.com`
    const res = await call('POST', '/users', admin.token, { email, password: 'long enough password', name: 'Created' })
    expect(res.status).toBe(201)
    expect((await readMailbox(email, { template: 'welcome' }))[0]?.subject).toBe('Welcome to Outpost, Created')
  })

  it('is sent once when the event is emitted twice and the queue delivers it again', async () => {
    const sent: EmailMessage[] = []
    const config = loadConfig(env)
    const capturing = {
      ...config,
      bindings: { ...config.bindings, EMAIL_QUEUE: { send: async (m: EmailMessage) => void sent.push(m) } },
    } as unknown as typeof config
    const { user } = await seedUser()
    const payload = { userId: user.id, email: user.email, name: 'Twice' }
    await withDb(async (db) => {
      await emit('user.created', payload, { db, config: capturing })
      await emit('user.created', payload, { db, config: capturing })
    })
    expect(sent.map((m) => m.id)).toEqual([`welcome:${user.id}`, `welcome:${user.id}`])

    let providerCalls = 0
    mockFetchFor('https://mail.example', () => {
      providerCalls++
      return new Response('{}', { status: 202 })
    })
    const http = { EMAIL_PROVIDER: 'http', EMAIL_API_URL: 'https://mail.example/send', EMAIL_API_KEY: 'key-123' }
    expect((await deliver(sent, http)).explicitAcks.sort()).toEqual(['m0', 'm1'])
    expect((await deliver([sent[0]!], http)).explicitAcks).toEqual(['m0'])
    expect(providerCalls).toBe(1)
  })
})

describe('account deletion email', () => {
  it('confirms the deletion to the address the account had, once it is gone', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    for (const path of ['/users', '/admin/users']) {
      const { user } = await seedUser()
      expect((await call('DELETE', `${path}/${user.id}`, admin.token)).status).toBe(204)
      const [mail] = await readMailbox(user.email, { template: 'account-deleted' })
      expect(mail, path).toMatchObject({ to: user.email, subject: 'Your Outpost account was deleted' })
      expect(mail!.text).toContain(user.email)
      expect((await call('GET', `/users/${user.id}`, admin.token)).status).toBe(404)
    }
  })
})
