import { SELF } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { api, BASE, data, error } from './helpers'

describe('envelope and request ids', () => {
  it('wraps success as { success: true, data } and sets a generated X-Request-Id', async () => {
    const res = await api<{ name: string; links: Record<string, string> }>('/')
    expect(res.status).toBe(200)
    expect(data(res).name).toBe('Outpost')
    expect(data(res).links.docs).toBe('/docs')
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('propagates a well-formed incoming X-Request-Id', async () => {
    const res = await api('/api/v1/health/liveness', { headers: { 'x-request-id': 'client-req-42' } })
    expect(res.headers.get('x-request-id')).toBe('client-req-42')
  })

  it('replaces a malformed X-Request-Id instead of echoing it', async () => {
    const res = await api('/api/v1/health/liveness', { headers: { 'x-request-id': 'bad id\twith spaces' } })
    expect(res.headers.get('x-request-id')).not.toContain(' ')
  })

  it('uses the trace id of an incoming traceparent as the request id', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const res = await api('/api/v1/health/liveness', { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } })
    expect(res.headers.get('x-request-id')).toBe(traceId)
  })
})

describe('unknown routes and methods', () => {
  it('answers 404 NOT_FOUND in the envelope for an unknown path', async () => {
    const res = await api('/api/v1/nope')
    expect(res.status).toBe(404)
    expect(error(res).code).toBe('NOT_FOUND')
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })

  it('answers 405 METHOD_NOT_ALLOWED with an Allow header for a known path', async () => {
    const res = await api('/api/v1/health', { method: 'DELETE' })
    expect(res.status).toBe(405)
    expect(error(res).code).toBe('METHOD_NOT_ALLOWED')
    expect(res.headers.get('allow')).toContain('GET')
  })
})

describe('request body limit', () => {
  it('answers 413 PAYLOAD_TOO_LARGE when Content-Length exceeds MAX_BODY_BYTES', async () => {
    const res = await api('/api/v1/health', {
      method: 'POST',
      body: 'x'.repeat(1_048_577),
      headers: { 'content-type': 'text/plain' },
    })
    expect(res.status).toBe(413)
    expect(error(res).code).toBe('PAYLOAD_TOO_LARGE')
  })

  it('answers 413 for an oversize chunked body with no Content-Length', async () => {
    const chunk = new Uint8Array(256 * 1024)
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(chunk)
        controller.close()
      },
    })
    const res = await SELF.fetch(`${BASE}/api/v1/health`, { method: 'POST', body: stream })
    expect(res.status).toBe(413)
  })
})

describe('security headers and CORS', () => {
  it('sets secure headers on every response', async () => {
    const res = await api('/api/v1/health/liveness')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(res.headers.get('strict-transport-security')).toContain('max-age')
  })

  it('answers a preflight from an origin listed in CORS_ORIGINS', async () => {
    const vars = { ...env, CORS_ORIGINS: 'https://app.example, https://admin.example' } as Env
    const res = await app.request(
      '/api/v1/health',
      { method: 'OPTIONS', headers: { origin: 'https://admin.example', 'access-control-request-method': 'POST' } },
      vars,
    )
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://admin.example')
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization')
  })

  it('answers a listed origin with CORS headers on a simple request', async () => {
    const vars = { ...env, CORS_ORIGINS: 'https://app.example' } as Env
    const fromApp = await app.request('/api/v1/health/liveness', { headers: { origin: 'https://app.example' } }, vars)
    expect(fromApp.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(fromApp.headers.get('access-control-expose-headers')).toContain('X-Request-Id')
  })

  it('does not allow cross-origin callers unless CORS_ORIGINS lists them', async () => {
    const res = await SELF.fetch(`${BASE}/api/v1/health/liveness`, { headers: { origin: 'https://evil.example' } })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('request log', () => {
  afterEach(() => vi.restoreAllMocks())

  it('writes one JSON line per request with method, path, status, duration and request id', async () => {
    const lines: string[] = []
    for (const level of ['log', 'warn', 'error'] as const)
      vi.spyOn(console, level).mockImplementation((line: string) => void lines.push(line))
    const vars = { ...env, LOG_LEVEL: 'info' } as Env
    await app.request('/api/v1/nope', { headers: { 'x-request-id': 'log-test-1' } }, vars)
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.msg === 'request')
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({
      level: 'warn',
      method: 'GET',
      path: '/api/v1/nope',
      status: 404,
      requestId: 'log-test-1',
    })
    expect(entries[0]!.durationMs).toBeTypeOf('number')
  })
})
