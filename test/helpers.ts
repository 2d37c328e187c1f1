/** Short helpers so feature tests read as behaviour: requests, users, tokens, captured mail. */
import { env } from 'cloudflare:workers'
import { SELF } from 'cloudflare:test'
import { databaseOf, type HttpDatabase } from '../src/db/client'
import { roles, userRoles, users } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { app } from '../src/app'
import { hashPassword } from '../src/lib/password'
import { signAccessToken } from '../src/lib/tokens'
import { startSession } from '../src/features/auth/sessions.service'
import { eq, inArray } from 'drizzle-orm'
import { expect, vi } from 'vitest'

export const BASE = 'http://outpost.test'

export type Envelope<T = unknown> =
  | { success: true; data: T; meta?: { page: number; limit: number; total: number } }
  | { success: false; error: { code: string; message: string; details?: Record<string, unknown> } }

export type ApiResponse<T> = { status: number; headers: Headers; body: Envelope<T> }

/** Calls the Worker like a client would. `json` is serialised and sent as the body. */
export async function api<T = unknown>(
  path: string,
  init: RequestInit & { json?: unknown; token?: string } = {},
): Promise<ApiResponse<T>> {
  const { json, token, ...rest } = init
  const headers = new Headers(rest.headers)
  if (json !== undefined) headers.set('content-type', 'application/json')
  if (token) headers.set('authorization', `Bearer ${token}`)
  const res = await SELF.fetch(`${BASE}${path}`, {
    ...rest,
    headers,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Envelope<T>) : (undefined as never),
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** Calls an API route (`path` is under /api/v1) as `token`'s user, or anonymously without one. */
export const call = <T = unknown>(method: Method, path: string, token?: string, json?: unknown) =>
  api<T>(`/api/v1${path}`, { method, token, json })

/** A short unique suffix for names that must not collide between tests sharing a database. */
export const tag = () => `t${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`

/** Narrows an envelope to its data, failing the test with the error when it is not a success. */
export function data<T>(res: ApiResponse<T>): T {
  if (!res.body.success) throw new Error(`expected success, got ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.data
}

/** Narrows an envelope to its error. */
export function error(res: ApiResponse<unknown>) {
  if (res.body.success !== false) throw new Error(`expected an error, got ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.error
}

/** Asserts a reply's status and error code together (a failure shows both), and returns the error. */
export function expectError(res: ApiResponse<unknown>, status: number, code: string) {
  expect({ status: res.status, code: error(res).code }).toEqual({ status, code })
  return error(res)
}

/** Asserts a 422 VALIDATION_ERROR and returns its details: which field failed, and why. */
export const validationDetails = (res: ApiResponse<unknown>) => expectError(res, 422, 'VALIDATION_ERROR').details ?? {}

/** Runs `fn` with the app's Drizzle client (Neon's HTTP transport) on this test file's database. */
export const withDb = <T>(fn: (db: HttpDatabase) => Promise<T>) => fn(databaseOf(env))

export const DEFAULT_PASSWORD = 'correct horse battery staple'

/**
 * Inserts a user with its roles (verified unless told otherwise), signs it in, and returns it
 * with a live access token and refresh token.
 */
export async function seedUser(
  opts: { roles?: string[]; email?: string; name?: string; password?: string; verified?: boolean } = {},
) {
  const email = opts.email ?? `user-${crypto.randomUUID().slice(0, 8)}@example.com`
  const password = opts.password ?? DEFAULT_PASSWORD
  return withDb(async (db) => {
    const [user] = await db
      .insert(users)
      .values({
        email,
        name: opts.name ?? 'Test User',
        passwordHash: await hashPassword(password),
        emailVerifiedAt: opts.verified === false ? null : new Date(),
      })
      .returning()
    const roleRows = await db
      .select({ id: roles.id })
      .from(roles)
      .where(inArray(roles.name, opts.roles ?? ['user']))
    if (roleRows.length) await db.insert(userRoles).values(roleRows.map((r) => ({ userId: user!.id, roleId: r.id })))
    const session = await startSession(db, user!.id, {})
    const token = await signAccessToken(loadConfig(env), { sub: user!.id, sid: session.sessionId })
    return { user: user!, token, refreshToken: session.refreshToken, sessionId: session.sessionId, password }
  })
}

export type Mail = {
  id: string
  to: string
  subject: string
  template: string
  text: string
  createdAt: string
  data: Record<string, unknown>
}

/**
 * Waits for the `email` queue consumer to deliver mail for `to` (of `template`, if given), and reads it the way a developer
 * does: through GET /api/v1/dev/mailbox (with ENVIRONMENT=development). Newest first.
 */
export async function readMailbox(
  to: string,
  opts: { atLeast?: number; timeoutMs?: number; template?: string } = {},
): Promise<Mail[]> {
  const dev = { ...env, ENVIRONMENT: 'development' } as Env
  const deadline = Date.now() + (opts.timeoutMs ?? 8000)
  const query = new URLSearchParams({ to, ...(opts.template && { template: opts.template }) })
  for (;;) {
    const res = await app.request(`/api/v1/dev/mailbox?${query}`, {}, dev)
    if (res.status !== 200) throw new Error(`mailbox answered ${res.status}: ${await res.text()}`)
    const { data: rows } = await res.json<{ data: Mail[] }>()
    if (rows.length >= (opts.atLeast ?? 1) || Date.now() > deadline) return rows
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** How many users hold the admin role. */
export const adminCount = () =>
  withDb(
    async (db) =>
      (
        await db
          .select({ u: userRoles.userId })
          .from(userRoles)
          .innerJoin(roles, eq(roles.id, userRoles.roleId))
          .where(eq(roles.name, 'admin'))
      ).length,
  )

/**
 * Mocks `fetch` for one third-party origin (the email provider, Stripe), at the fetch boundary, and
 * passes every other request through: Postgres is reached over HTTP too, and must stay real.
 */
export function mockFetchFor(origin: string, handler: (req: Request) => Response | Promise<Response>) {
  const real = globalThis.fetch
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    return new URL(url).origin === origin ? handler(new Request(input, init)) : real(input, init)
  })
}
