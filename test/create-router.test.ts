import { createRoute, z } from '@hono/zod-openapi'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createRouter } from '../src/lib/create-router'
import { ok } from '../src/lib/envelope'
import { ApiError } from '../src/lib/errors'

// A throwaway router proves the factory's hooks; feature routers inherit exactly these.
const router = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/things',
      request: {
        body: {
          content: {
            'application/json': { schema: z.strictObject({ name: z.string().min(2), count: z.number().int() }) },
          },
        },
      },
      responses: { 201: { description: 'created' } },
    }),
    (c) => ok(c, c.req.valid('json'), 201),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/echo/{name}',
      request: {
        params: z.object({ name: z.string() }),
        query: z.object({ q: z.string().optional() }),
        body: { content: { 'application/json': { schema: z.record(z.string(), z.array(z.string())) } } },
      },
      responses: { 200: { description: 'echoed' } },
    }),
    (c) => ok(c, { ...c.req.valid('param'), ...c.req.valid('query'), body: c.req.valid('json') }),
  )
  .get('/boom', () => {
    throw new Error('secret internals')
  })
  .get('/conflict', () => {
    throw ApiError.conflict('Already exists', { email: 'taken' })
  })

const post = (body: string) =>
  router.request('/things', { method: 'POST', body, headers: { 'content-type': 'application/json' } }, env)

describe('createRouter', () => {
  it('accepts a valid body', async () => {
    const res = await post(JSON.stringify({ name: 'ab', count: 1 }))
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ success: true, data: { name: 'ab', count: 1 } })
  })

  it('answers 422 VALIDATION_ERROR naming each bad field', async () => {
    const res = await post(JSON.stringify({ name: 'a', count: 'many' }))
    expect(res.status).toBe(422)
    const body = await res.json<{ error: { code: string; details: Record<string, string> } }>()
    expect(body.error.code).toBe('VALIDATION_ERROR')
    expect(Object.keys(body.error.details).sort()).toEqual(['json.count', 'json.name'])
  })

  it('rejects unknown fields instead of storing them (no mass assignment)', async () => {
    const res = await post(JSON.stringify({ name: 'ab', count: 1, role: 'admin' }))
    expect(res.status).toBe(422)
    expect((await res.json<{ error: { details: Record<string, string> } }>()).error.details).toEqual({
      'json.role': 'unknown field',
    })
  })

  it('answers 400 BAD_REQUEST for malformed JSON', async () => {
    const res = await post('{"name":')
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('BAD_REQUEST')
  })

  it('answers 400 BAD_REQUEST when the JSON body is empty', async () => {
    const res = await post('')
    expect(res.status).toBe(400)
  })

  it('refuses a NUL or a lone surrogate in any validated part of the request, naming where', async () => {
    const echo = (path: string, body: unknown) =>
      router.request(
        path,
        { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
        env,
      )
    const reason = 'must not contain a NUL character or an unpaired UTF-16 surrogate'
    const cases: [string, unknown, Record<string, string>][] = [
      ['/echo/a%00b', {}, { 'param.name': reason }],
      ['/echo/ok?q=%00', {}, { 'query.q': reason }],
      ['/echo/ok', { tags: ['fine', 'bad\ud800'] }, { 'json.tags.1': reason }],
      ['/echo/ok', { 'key\u0000': [] }, { 'json.<key>': reason }],
    ]
    for (const [path, body, details] of cases) {
      const res = await echo(path, body)
      expect(res.status, path).toBe(422)
      expect((await res.json<{ error: { details: unknown } }>()).error.details, path).toEqual(details)
    }
    const fine = await echo('/echo/%F0%9F%A7%8A?q=%D7%A9', { tags: ['e\u0301', '\ud83e\uddca'] })
    expect(fine.status).toBe(200)
  })

  it('formats a thrown ApiError with its status, code and details', async () => {
    const res = await router.request('/conflict', {}, env)
    expect(res.status).toBe(409)
    expect(await res.json()).toEqual({
      success: false,
      error: { code: 'CONFLICT', message: 'Already exists', details: { email: 'taken' } },
    })
  })

  it('hides the message and stack of an unexpected error outside development', async () => {
    const res = await router.request('/boom', {}, env)
    expect(res.status).toBe(500)
    const text = await res.text()
    expect(text).toContain('INTERNAL_ERROR')
    expect(text).not.toContain('secret internals')
  })
})
