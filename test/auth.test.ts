import { eq, isNull, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { emailOtps, refreshTokens, users } from '../src/db/schema'
import { sha256Hex } from '../src/lib/crypto'
import { api, data, error, readMailbox, seedUser, withDb } from './helpers'

type User = { id: string; email: string; emailVerified: boolean; roles: string[] }
type Pair = { accessToken: string; refreshToken: string; expiresIn: number; tokenType: string }
type Login = Pair & { user: User }

const newEmail = () => `flow-${crypto.randomUUID().slice(0, 8)}@example.com`
const PASSWORD = 'a perfectly fine password'

const post = <T = unknown>(path: string, json: unknown, token?: string) =>
  api<T>(`/api/v1${path}`, { method: 'POST', json, token })
const put = <T = unknown>(path: string, json: unknown, token?: string) =>
  api<T>(`/api/v1${path}`, { method: 'PUT', json, token })
const get = <T = unknown>(path: string, token?: string) => api<T>(`/api/v1${path}`, { token })

async function codeFor(email: string, atLeast = 1) {
  // The welcome mail arrives beside the code, in either order.
  const mail = await readMailbox(email, { atLeast, template: 'verify-email' })
  return String(mail[0]!.data.code)
}

async function registered(email = newEmail()) {
  expect((await post('/auth/register', { email, password: PASSWORD, name: 'Flow' })).status).toBe(201)
  return email
}

async function verifiedLogin(email = newEmail()) {
  await registered(email)
  expect((await post('/auth/verify', { email, code: await codeFor(email) })).status).toBe(200)
  return data(await post<Login>('/auth/login', { email, password: PASSWORD }))
}

describe('signup → mailbox → verify → login → me → refresh → reuse → logout', () => {
  it('walks the whole flow end to end', async () => {
    const email = newEmail()
    const reg = await post<User>('/auth/register', { email, password: PASSWORD, name: 'Ada' })
    expect(reg.status).toBe(201)
    expect(data(reg)).toMatchObject({ email, emailVerified: false, roles: ['user'] })

    const unverified = await post('/auth/login', { email, password: PASSWORD })
    expect(unverified.status).toBe(403)
    expect(error(unverified).code).toBe('EMAIL_NOT_VERIFIED')

    const code = await codeFor(email)
    expect(code).toMatch(/^\d{6}$/)
    const verified = await post<User>('/auth/verify', { email, code })
    expect(data(verified).emailVerified).toBe(true)

    const login = data(await post<Login>('/auth/login', { email, password: PASSWORD }))
    expect(login).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email, emailVerified: true } })

    const me = await get<User>('/auth/me', login.accessToken)
    expect(data(me).email).toBe(email)

    const rotated = data(await post<Pair>('/auth/refresh', { refreshToken: login.refreshToken }))
    expect(rotated.refreshToken).not.toBe(login.refreshToken)
    expect((await get('/auth/me', rotated.accessToken)).status).toBe(200)

    // The first token is presented again after the grace window: reuse, the family dies.
    await withDb((db) =>
      db
        .update(refreshTokens)
        .set({ rotatedAt: sql`now() - interval '30 seconds'` })
        .where(isNull(refreshTokens.parentId)),
    )
    const reuse = await post('/auth/refresh', { refreshToken: login.refreshToken })
    expect(reuse.status).toBe(401)
    expect(error(reuse).code).toBe('TOKEN_REUSED')
    const afterReuse = await post('/auth/refresh', { refreshToken: rotated.refreshToken })
    expect(error(afterReuse).code).toBe('TOKEN_REUSED')
    expect((await get('/auth/me', rotated.accessToken)).status).toBe(401)

    const again = data(await post<Login>('/auth/login', { email, password: PASSWORD }))
    const out = await post('/auth/logout', { refreshToken: again.refreshToken })
    expect(out.status).toBe(204)
    expect(error(await post('/auth/refresh', { refreshToken: again.refreshToken })).code).toBe('INVALID_TOKEN')
    expect((await get('/auth/me', again.accessToken)).status).toBe(401)
  })

  it('returns the current pair when the just-rotated token is retried inside the grace window', async () => {
    const login = await verifiedLogin()
    const first = data(await post<Pair>('/auth/refresh', { refreshToken: login.refreshToken }))
    const retry = data(await post<Pair>('/auth/refresh', { refreshToken: login.refreshToken }))
    expect(retry.refreshToken).toBe(first.refreshToken)
    // The live token still works and rotates normally.
    expect((await post('/auth/refresh', { refreshToken: first.refreshToken })).status).toBe(200)
  })

  it('treats a grandparent token as reuse even inside the grace window', async () => {
    const login = await verifiedLogin()
    const first = data(await post<Pair>('/auth/refresh', { refreshToken: login.refreshToken }))
    data(await post<Pair>('/auth/refresh', { refreshToken: first.refreshToken }))
    const res = await post('/auth/refresh', { refreshToken: login.refreshToken })
    expect(error(res).code).toBe('TOKEN_REUSED')
  })

  it('never mints two live tokens when one refresh token is used concurrently', async () => {
    const login = await verifiedLogin()
    const results = await Promise.all(
      Array.from({ length: 6 }, () => post<Pair>('/auth/refresh', { refreshToken: login.refreshToken })),
    )
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200])
    expect(new Set(results.map((r) => data(r).refreshToken)).size).toBe(1)
    const tokens = await withDb(async (db) => {
      const [root] = await db
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, await sha256Hex(login.refreshToken)))
      return db.select().from(refreshTokens).where(eq(refreshTokens.sessionId, root!.sessionId))
    })
    expect(tokens).toHaveLength(2)
    expect(tokens.filter((t) => t.rotatedAt === null)).toHaveLength(1)
  })

  it('answers 401 INVALID_TOKEN for an unknown refresh token, on refresh and on logout', async () => {
    expect(error(await post('/auth/refresh', { refreshToken: 'x'.repeat(43) })).code).toBe('INVALID_TOKEN')
    expect((await post('/auth/logout', { refreshToken: 'x'.repeat(43) })).status).toBe(401)
  })
})

describe('registration', () => {
  it('refuses a password under 10 characters with a clear 422', async () => {
    const res = await post('/auth/register', { email: newEmail(), password: 'short-pw', name: 'A' })
    expect(res.status).toBe(422)
    expect(error(res).details).toEqual({ 'json.password': 'must be at least 10 characters' })
  })

  it.each([
    ['role', 'admin'],
    ['emailVerified', true],
    ['id', '00000000-0000-4000-8000-000000000000'],
    ['roles', ['admin']],
  ])('refuses mass assignment of %s', async (field, value) => {
    const email = newEmail()
    const res = await post('/auth/register', { email, password: PASSWORD, name: 'A', [field]: value })
    expect(res.status).toBe(422)
    expect(error(res).details).toEqual({ [`json.${field}`]: 'unknown field' })
    expect(await withDb((db) => db.select().from(users).where(eq(users.email, email)))).toHaveLength(0)
  })

  it('answers 409 for an email already registered, whatever its case', async () => {
    const email = await registered()
    const res = await post('/auth/register', { email: email.toUpperCase(), password: PASSWORD, name: 'B' })
    expect(res.status).toBe(409)
    expect(error(res).code).toBe('CONFLICT')
  })

  it('creates one account when the same email registers twice at once', async () => {
    const email = newEmail()
    const results = await Promise.all(
      [1, 2, 3].map(() => post('/auth/register', { email, password: PASSWORD, name: 'Race' })),
    )
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409])
  })

  it('answers 422 for a malformed email', async () => {
    expect((await post('/auth/register', { email: 'nope', password: PASSWORD, name: 'A' })).status).toBe(422)
  })
})

describe('email verification codes', () => {
  it('dies after 5 wrong attempts, even for the right code, until a new one is requested', async () => {
    const email = await registered()
    const code = await codeFor(email)
    const wrong = code === '000000' ? '111111' : '000000'
    const left: unknown[] = []
    for (let i = 0; i < 4; i++) {
      const res = await post('/auth/verify', { email, code: wrong })
      expect(error(res).code).toBe('INVALID_OTP')
      left.push(error(res).details?.attemptsLeft)
    }
    expect(left).toEqual([4, 3, 2, 1])
    expect(error(await post('/auth/verify', { email, code: wrong })).code).toBe('OTP_LOCKED')
    expect(error(await post('/auth/verify', { email, code })).code).toBe('OTP_LOCKED')

    // A minute later, a new code works.
    await withDb((db) => db.update(emailOtps).set({ createdAt: sql`now() - interval '61 seconds'` }))
    expect((await post('/auth/resend-verification', { email })).status).toBe(202)
    const fresh = await codeFor(email, 2)
    expect(data(await post<User>('/auth/verify', { email, code: fresh })).emailVerified).toBe(true)
  })

  it('never lets parallel guesses exceed 5 attempts', async () => {
    const email = await registered()
    const code = await codeFor(email)
    const wrong = code === '000000' ? '111111' : '000000'
    const results = await Promise.all(Array.from({ length: 8 }, () => post('/auth/verify', { email, code: wrong })))
    const [otp] = await withDb((db) =>
      db.select().from(emailOtps).innerJoin(users, eq(users.id, emailOtps.userId)).where(eq(users.email, email)),
    )
    expect(otp!.email_otps.attempts).toBe(5)
    expect(results.filter((r) => error(r).code === 'OTP_LOCKED').length).toBeGreaterThanOrEqual(3)
  })

  it('throttles resend to one per 60 s per email with 429 and Retry-After', async () => {
    const email = await registered()
    const res = await post('/auth/resend-verification', { email })
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(50)
  })

  it('answers OTP_EXPIRED for a code older than 10 minutes', async () => {
    const email = await registered()
    const code = await codeFor(email)
    await withDb((db) => db.update(emailOtps).set({ expiresAt: sql`now() - interval '1 second'` }))
    expect(error(await post('/auth/verify', { email, code })).code).toBe('OTP_EXPIRED')
  })

  it('answers the same 202 for unknown and already-verified emails, sending nothing', async () => {
    expect((await post('/auth/resend-verification', { email: newEmail() })).status).toBe(202)
    const { user } = await seedUser()
    expect((await post('/auth/resend-verification', { email: user.email })).status).toBe(202)
    expect(await readMailbox(user.email, { timeoutMs: 1500 })).toHaveLength(0)
  })

  it('answers a verified account like a wrong code, revealing nothing about it', async () => {
    const { user } = await seedUser()
    const res = await post('/auth/verify', { email: user.email, code: '000000' })
    expect(res.status).toBe(400)
    expect(error(res)).toEqual(error(await post('/auth/verify', { email: newEmail(), code: '000000' })))
  })

  it('refuses a code that is not 6 digits with 422', async () => {
    expect((await post('/auth/verify', { email: newEmail(), code: '12ab56' })).status).toBe(422)
  })
})

describe('login', () => {
  it('answers 401 INVALID_CREDENTIALS for a wrong password or an unknown email, alike', async () => {
    const { user } = await seedUser()
    const wrong = await post('/auth/login', { email: user.email, password: 'not the password' })
    const unknown = await post('/auth/login', { email: newEmail(), password: 'not the password' })
    expect([wrong.status, unknown.status]).toEqual([401, 401])
    expect(error(wrong)).toEqual(error(unknown))
  })

  it('rehashes a password stored with older parameters', async () => {
    const { user, password } = await seedUser()
    const { toBase64Url } = await import('../src/lib/crypto')
    const salt = crypto.getRandomValues(new Uint8Array(16))
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, [
      'deriveBits',
    ])
    const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 1000 }, key, 256)
    const legacy = `pbkdf2-sha256$1000$${toBase64Url(salt)}$${toBase64Url(new Uint8Array(bits))}`
    await withDb((db) => db.update(users).set({ passwordHash: legacy }).where(eq(users.id, user.id)))
    expect((await post('/auth/login', { email: user.email, password })).status).toBe(200)
    const [row] = await withDb((db) => db.select({ h: users.passwordHash }).from(users).where(eq(users.id, user.id)))
    expect(row!.h).toMatch(/^pbkdf2-sha256\$100000\$/)
  })
})

describe('forgot and reset password', () => {
  it('mails a single-use token whose reset revokes every session', async () => {
    const { user } = await seedUser()
    const a = data(await post<Login>('/auth/login', { email: user.email, password: 'correct horse battery staple' }))
    const b = data(await post<Login>('/auth/login', { email: user.email, password: 'correct horse battery staple' }))
    expect((await post('/auth/forgot-password', { email: user.email })).status).toBe(202)
    const [mail] = await readMailbox(user.email)
    const token = String(mail!.data.token)
    expect(token).toMatch(/^[\w-]{43}$/)

    expect((await post('/auth/reset-password', { token, password: 'a brand new password' })).status).toBe(200)
    for (const s of [a, b]) {
      expect((await post('/auth/refresh', { refreshToken: s.refreshToken })).status).toBe(401)
      expect((await get('/auth/me', s.accessToken)).status).toBe(401)
    }
    expect((await post('/auth/login', { email: user.email, password: 'correct horse battery staple' })).status).toBe(
      401,
    )
    expect((await post('/auth/login', { email: user.email, password: 'a brand new password' })).status).toBe(200)
    expect(error(await post('/auth/reset-password', { token, password: 'another new password' })).code).toBe(
      'INVALID_RESET_TOKEN',
    )
  })

  it('answers 202 for an unknown email and sends nothing', async () => {
    const email = newEmail()
    expect((await post('/auth/forgot-password', { email })).status).toBe(202)
    expect(await readMailbox(email, { timeoutMs: 1500 })).toHaveLength(0)
  })

  it('refuses an expired reset token', async () => {
    const { user } = await seedUser()
    await post('/auth/forgot-password', { email: user.email })
    const token = String((await readMailbox(user.email))[0]!.data.token)
    await withDb((db) => db.execute(sql`update password_resets set expires_at = now() - interval '1 second'`))
    expect(error(await post('/auth/reset-password', { token, password: 'a brand new password' })).code).toBe(
      'INVALID_RESET_TOKEN',
    )
  })

  it('refuses a weak new password with 422', async () => {
    expect((await post('/auth/reset-password', { token: 'x'.repeat(43), password: 'short' })).status).toBe(422)
  })
})

describe('profile and password change', () => {
  it('returns the current user with roles and permissions', async () => {
    const { token } = await seedUser({ roles: ['moderator'] })
    const me = data(await get<{ roles: string[]; permissions: string[] }>('/auth/me/with-roles', token))
    expect(me.roles).toEqual(['moderator'])
    expect(me.permissions).toContain('users:read')
  })

  it('updates the name and refuses role, email or id in the body', async () => {
    const { token } = await seedUser()
    expect(data(await put<User & { name: string }>('/auth/profile', { name: 'New Name' }, token)).name).toBe('New Name')
    for (const extra of [
      { role: 'admin' },
      { email: 'x@example.com' },
      { id: crypto.randomUUID() },
      { emailVerified: true },
    ]) {
      const res = await put('/auth/profile', { name: 'X', ...extra }, token)
      expect(res.status).toBe(422)
      expect(Object.values(error(res).details ?? {})).toEqual(['unknown field'])
    }
  })

  it('changes the password, ends the other sessions and keeps this one', async () => {
    const { user, token, password } = await seedUser()
    const other = data(await post<Login>('/auth/login', { email: user.email, password }))
    const res = await put(
      '/auth/change-password',
      { currentPassword: password, newPassword: 'my new long password' },
      token,
    )
    expect(res.status).toBe(200)
    expect((await get('/auth/me', token)).status).toBe(200)
    expect((await get('/auth/me', other.accessToken)).status).toBe(401)
    expect((await post('/auth/login', { email: user.email, password: 'my new long password' })).status).toBe(200)
  })

  it('answers 422 when the current password is wrong', async () => {
    const { token } = await seedUser()
    const res = await put(
      '/auth/change-password',
      { currentPassword: 'wrong wrong wrong', newPassword: 'my new long password' },
      token,
    )
    expect(res.status).toBe(422)
    expect(error(res).details).toEqual({ currentPassword: 'is incorrect' })
  })

  it('answers 401 without a token on every authenticated auth route', async () => {
    expect((await get('/auth/me')).status).toBe(401)
    expect((await get('/auth/me/with-roles')).status).toBe(401)
    expect((await put('/auth/profile', { name: 'x' })).status).toBe(401)
    expect((await put('/auth/change-password', { currentPassword: 'a', newPassword: 'bbbbbbbbbbbb' })).status).toBe(401)
  })
})
