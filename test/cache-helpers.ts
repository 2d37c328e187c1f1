/** Requests through the app with Upstash configured (the local Redis behind the REST shim), down, or off. */
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import { app } from '../src/app'
import { cacheStats } from '../src/lib/cache'
import type { Envelope } from './helpers'

export const hasRedis = Boolean(env.TEST_UPSTASH_URL)

/** The cache on: seed 001's keys on the test Redis. One object, so its config and cache are built once. */
export const cached = {
  ...env,
  UPSTASH_REDIS_REST_URL: env.TEST_UPSTASH_URL,
  UPSTASH_REDIS_REST_TOKEN: env.TEST_UPSTASH_TOKEN,
} as Env

/** Upstash configured but nothing listening (the discard port): every cache call fails fast. */
export const redisDown = {
  ...env,
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
  UPSTASH_REDIS_REST_TOKEN: 'down',
  RATE_LIMIT_TIMEOUT_MS: '200',
} as Env

export type Res<T> = { status: number; body: Envelope<T> }

/** An API call (path under /api/v1) as `token`'s user, through the app with `vars`. */
export async function via<T = unknown>(vars: Env, method: string, path: string, token: string, json?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  if (json !== undefined) headers['content-type'] = 'application/json'
  const res = await app.request(
    `/api/v1${path}`,
    { method, headers, body: json === undefined ? undefined : JSON.stringify(json) },
    vars,
  )
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Envelope<T> } satisfies Res<T>
}

/** A GraphQL operation through the app with `vars`; its `data`, failing on errors. */
export async function gqlVia<T>(vars: Env, token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await via<never>(vars, 'POST', '/graphql', token, { query, variables })
  const body = res.body as unknown as { data?: T; errors?: unknown[] }
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`)
  return body.data as T
}

/** The success envelope's data, else a thrown error naming the status. */
export function ok<T>(res: Res<T>): T {
  if (!res.body?.success) throw new Error(`expected success, got ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.data
}

/** How many cache hits and misses `run` caused in this isolate. */
export async function cacheUse(run: () => Promise<unknown>) {
  const before = cacheStats()
  await run()
  const after = cacheStats()
  return { hits: after.hits - before.hits, misses: after.misses - before.misses, errors: after.errors - before.errors }
}

/** Reads twice (the second from Redis), so a stale answer after the write would come from the cache. */
export async function warm(...reads: (() => Promise<unknown>)[]) {
  for (const read of reads) await read()
  const use = await cacheUse(async () => {
    for (const read of reads) await read()
  })
  expect(use.hits).toBe(reads.length)
}
