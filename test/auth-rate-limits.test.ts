import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { DEFAULT_PASSWORD, type Envelope, type Mail, mockFetchFor, readMailbox, seedUser } from './helpers'

// vitest.config.ts raises these for every other file (they all share one client IP); here they are
// put back to their production defaults, so the flows below meet exactly what users meet.
const LIMITS = [
  'RATE_LIMIT_API',
  'RATE_LIMIT_LOGIN_FAILURES',
  'RATE_LIMIT_LOGIN_IP',
  'RATE_LIMIT_REGISTER',
  'RATE_LIMIT_VERIFY',
  'RATE_LIMIT_RESEND',
  'RATE_LIMIT_FORGOT',
  'RATE_LIMIT_RESET',
  'RATE_LIMIT_CHANGE_PASSWORD',
]

/** The Worker's env with every limit at its default unless `vars` sets it. */
function limitsEnv(vars: Record<string, string> = {}) {
  // A limiter object's first call can take over a second on a loaded test machine: no 503 for that.
  const e: Record<string, unknown> = { ...env, RATE_LIMIT_TIMEOUT_MS: '10000' }
  for (const name of LIMITS) delete e[name]
  return { ...e, ...vars } as unknown as Env
}

const upstashVars = { UPSTASH_REDIS_REST_URL: env.TEST_UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: env.TEST_UPSTASH_TOKEN }
const hasRedis = Boolean(env.TEST_UPSTASH_URL)

const newIp = () => `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`
const newEmail = () => `limits-${crypto.randomUUID().slice(0, 8)}@example.com`

/** A client at one IP talking to the Worker with `vars`. */
function client(vars: Env, ip = newIp()) {
  const send = async <T = unknown>(method: string, path: string, json?: unknown, token?: string) => {
    const headers: Record<string, string> = { 'cf-connecting-ip': ip, 'content-type': 'application/json' }
    if (token) headers.authorization = `Bearer ${token}`
    const res = await app.request(`/api/v1${path}`, { method, headers, body: JSON.stringify(json) }, vars)
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Envelope<T> }
  }
  return {
    ip,
    post: <T = unknown>(path: string, json: unknown) => send<T>('POST', path, json),
    del: (path: string, token: string) => send('DELETE', path, undefined, token),
    login: (email: string, password: string) =>
      send<{ user: { id: string } }>('POST', '/auth/login', { email, password }),
  }
}

/** The newest mail of `template` to `to`, once `count` of them have arrived. */
async function mailOf(to: string, template: string, count: number): Promise<Mail> {
  const mail = await readMailbox(to, { template, atLeast: count })
  expect(mail.length).toBeGreaterThanOrEqual(count)
  return mail[0]!
}

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('an ordinary user meets no auth limit', () => {
  it('signs up, verifies, signs in, forgets, signs in, resets and signs in: twice in a row, one email, one IP', async () => {
    const user = client(limitsEnv())
    const admin = await seedUser({ roles: ['admin'] })
    const email = newEmail()
    for (let round = 1; round <= 2; round++) {
      const [first, second] = [`first password ${round}`, `second password ${round}`]
      expect((await user.post('/auth/register', { email, password: first, name: 'Flow' })).status).toBe(201)
      const { code } = (await mailOf(email, 'verify-email', round)).data
      expect((await user.post('/auth/verify', { email, code })).status).toBe(200)
      expect((await user.login(email, first)).status).toBe(200)
      expect((await user.post('/auth/forgot-password', { email })).status).toBe(202)
      expect((await user.login(email, first)).status).toBe(200)
      const { token } = (await mailOf(email, 'reset-password', round)).data
      expect((await user.post('/auth/reset-password', { token, password: second })).status).toBe(200)
      const signedIn = await user.login(email, second)
      expect(signedIn.status).toBe(200)
      // Gone, so the next round signs the same email up again.
      if (!signedIn.body.success) throw new Error('expected a login')
      expect((await user.del(`/users/${signedIn.body.data.user.id}`, admin.token)).status).toBe(204)
    }
  })

  it('signs in any number of times, and a success clears the failures before it', async () => {
    const office = client(limitsEnv())
    const { user } = await seedUser()
    for (let i = 0; i < 8; i++) {
      const res = await office.login(user.email, DEFAULT_PASSWORD)
      expect(res.status).toBe(200)
      expect(res.headers.get('ratelimit-remaining')).toBe('5')
    }
    // 4 typos, in, 4 typos, in: never 5 failures in a row, so never locked.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) expect((await office.login(user.email, 'a typo')).status).toBe(401)
      expect((await office.login(user.email, DEFAULT_PASSWORD)).status).toBe(200)
    }
  })

  it('gives each action its own budget and key (configurable per action)', async () => {
    const vars = limitsEnv({ RATE_LIMIT_FORGOT: '2/900', RATE_LIMIT_REGISTER: '1/900' })
    const user = client(vars)
    const { user: known } = await seedUser()
    const forgot = () => user.post('/auth/forgot-password', { email: known.email })
    expect([(await forgot()).status, (await forgot()).status, (await forgot()).status]).toEqual([202, 202, 429])
    expect((await user.login(known.email, DEFAULT_PASSWORD)).status).toBe(200)
    const register = (c: ReturnType<typeof client>) =>
      c.post('/auth/register', { email: newEmail(), password: 'a fine password', name: 'R' })
    expect((await register(user)).status).toBe(201)
    expect((await register(user)).status).toBe(429)
    expect((await register(client(vars))).status).toBe(201)
  })
})

for (const backend of [
  { name: 'durable-object', vars: {}, available: true },
  { name: 'upstash', vars: upstashVars, available: hasRedis },
]) {
  describe.runIf(backend.available)(`login stops guessing (${backend.name})`, () => {
    const vars = () => limitsEnv(backend.vars)

    it('answers 429 to the 6th wrong password, and lets the right one in after the lockout window', async () => {
      const attacker = client(vars())
      const { user } = await seedUser()
      const statuses: number[] = []
      for (let i = 0; i < 6; i++) statuses.push((await attacker.login(user.email, `guess ${i}`)).status)
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429])
      const locked = await attacker.login(user.email, DEFAULT_PASSWORD)
      expect(locked.status).toBe(429)
      const retryAfter = Number(locked.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThan(0)
      // Per email and IP: the owner elsewhere is not locked out.
      expect((await client(vars()).login(user.email, DEFAULT_PASSWORD)).status).toBe(200)

      vi.useFakeTimers({ toFake: ['Date'] })
      vi.setSystemTime(Date.now() + (retryAfter + 1) * 1000)
      expect((await attacker.login(user.email, DEFAULT_PASSWORD)).status).toBe(200)
      // That success cleared the failures: a full budget again.
      for (let i = 0; i < 5; i++) expect((await attacker.login(user.email, 'again wrong')).status).toBe(401)
      expect((await attacker.login(user.email, 'again wrong')).status).toBe(429)
    })

    it('lets no more parallel wrong passwords through than the limit', async () => {
      const attacker = client(vars())
      const { user } = await seedUser()
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => attacker.login(user.email, `p${i}`)))
      expect(results.filter((r) => r.status === 401)).toHaveLength(5)
      expect(results.filter((r) => r.status === 429)).toHaveLength(5)
    })

    it('stops one IP trying 30 accounts at the per-IP limit', async () => {
      const sprayer = client(vars())
      const statuses: number[] = []
      for (let i = 0; i < 30; i++) statuses.push((await sprayer.login(newEmail(), 'Summer2024!')).status)
      expect(statuses).toEqual([...Array<number>(20).fill(401), ...Array<number>(10).fill(429)])
      expect((await client(vars()).login(newEmail(), 'Summer2024!')).status).toBe(401)
    })
  })
}

describe('when the limiter backend does not answer', () => {
  it('fails closed (503) on login and the other auth actions', async () => {
    // Upstash never answers; Postgres (over HTTP too) stays real.
    mockFetchFor('https://unreachable.upstash.test', () => new Promise<Response>(() => {}))
    const down = client(
      limitsEnv({
        UPSTASH_REDIS_REST_URL: 'https://unreachable.upstash.test',
        UPSTASH_REDIS_REST_TOKEN: 'x',
        RATE_LIMIT_TIMEOUT_MS: '100',
      }),
    )
    expect((await down.login(newEmail(), 'whatever-password')).status).toBe(503)
    expect((await down.post('/auth/forgot-password', { email: newEmail() })).status).toBe(503)
  })
})
