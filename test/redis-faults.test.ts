/**
 * Redis down or slow (issue 17, part 3), through the whole app: the API-wide limit fails open (README, "Rate
 * limits"), every auth limit fails closed with 503 and Retry-After, and no request waits on Redis past
 * RATE_LIMIT_TIMEOUT_MS (a Redis that never answers still gets every request answered).
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { DEFAULT_PASSWORD, seedUser } from './helpers'

const UPSTASH = 'https://redis.outpost.test'
const vars = (over: Record<string, string> = {}) =>
  ({
    ...env,
    UPSTASH_REDIS_REST_URL: UPSTASH,
    UPSTASH_REDIS_REST_TOKEN: 'token',
    RATE_LIMIT_TIMEOUT_MS: '200',
    ...over,
  }) as Env

/** Upstash's REST endpoint at the fetch boundary; Postgres (also HTTP) passes through. */
function redis(answer: (req: Request) => Promise<Response>) {
  const real = globalThis.fetch
  const calls: string[] = []
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input, init)
    if (new URL(req.url).origin !== UPSTASH) return real(input, init)
    calls.push(req.url)
    return answer(req)
  })
  return calls
}
const never = () => new Promise<Response>(() => {})
const late = (ms: number) => () =>
  new Promise<Response>((r) => setTimeout(() => r(Response.json([{ result: 1 }, { result: 1 }])), ms))
const refused = () => Promise.reject(new TypeError('Network connection lost.'))

afterEach(() => vi.restoreAllMocks())

const send = (e: Env, method: string, path: string, json?: unknown, token?: string) =>
  app.request(
    `/api/v1${path}`,
    {
      method,
      headers: {
        'cf-connecting-ip': '198.51.100.77',
        ...(json !== undefined && { 'content-type': 'application/json' }),
        ...(token && { authorization: `Bearer ${token}` }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    },
    e,
  )

for (const [name, answer] of [
  ['never answers', never],
  ['answers after 5 × the timeout', late(1000)],
  ['refuses the connection', refused],
] as const) {
  describe(`when Redis ${name}`, () => {
    it('serves API reads (the API limit fails open)', async () => {
      const me = await seedUser()
      const calls = redis(answer)
      const res = await send(vars(), 'GET', '/notifications', undefined, me.token)
      expect(res.status).toBe(200)
      expect(calls.length).toBeGreaterThan(0)
    })

    it('answers every auth action 503 SERVICE_UNAVAILABLE with Retry-After (the auth limits fail closed)', async () => {
      const me = await seedUser()
      redis(answer)
      const e = vars()
      for (const [path, body] of [
        ['/auth/login', { email: me.user.email, password: DEFAULT_PASSWORD }],
        ['/auth/register', { email: `r-${crypto.randomUUID()}@example.com`, password: DEFAULT_PASSWORD, name: 'R' }],
        ['/auth/forgot-password', { email: me.user.email }],
        ['/auth/reset-password', { token: 'x'.repeat(43), password: DEFAULT_PASSWORD }],
      ] as const) {
        const res = await send(e, 'POST', path, body)
        const json = await res.json<{ error?: { code: string } }>()
        expect({ path, status: res.status, code: json.error?.code }).toEqual({
          path,
          status: 503,
          code: 'SERVICE_UNAVAILABLE',
        })
        expect(res.headers.get('retry-after'), path).toBe('5')
      }
    })
  })
}

describe('when Redis comes back', () => {
  it('signs in again with no restart', async () => {
    const me = await seedUser()
    redis(never)
    const login = { email: me.user.email, password: DEFAULT_PASSWORD }
    expect((await send(vars(), 'POST', '/auth/login', login)).status).toBe(503)
    vi.restoreAllMocks()
    // Without Upstash configured the Durable Object limiter answers: the same Worker, another backend.
    const res = await send(
      vars({ UPSTASH_REDIS_REST_URL: '', UPSTASH_REDIS_REST_TOKEN: '' }),
      'POST',
      '/auth/login',
      login,
    )
    expect(res.status).toBe(200)
  })
})
