import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { isAuthGate } from '../src/lib/auth'
import { openApiPath, operationIdOf } from '../src/lib/openapi'
import { BASE } from './helpers'
import { SELF } from 'cloudflare:test'

type Operation = { operationId?: string; security?: Record<string, string[]>[]; responses: Record<string, unknown> }
type OpenApiDoc = {
  openapi: string
  info: { title: string; license?: { name: string } }
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> }
}

const operations = (doc: OpenApiDoc) =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })))

describe('OpenAPI document and docs page', () => {
  it('serves an OpenAPI 3.1 document', async () => {
    const res = await SELF.fetch(`${BASE}/openapi.json`)
    expect(res.status).toBe(200)
    const doc = await res.json<OpenApiDoc>()
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.info.title).toBe('Outpost API')
  })

  it('documents every route the app serves', async () => {
    const doc = await (await SELF.fetch(`${BASE}/openapi.json`)).json<OpenApiDoc>()
    const served = app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    expect(served.length).toBeGreaterThan(5)
    expect(new Set(documented)).toEqual(new Set(served))
  })

  it('names every operation once, with a URL-safe operationId derived from method and path', async () => {
    const doc = await (await SELF.fetch(`${BASE}/openapi.json`)).json<OpenApiDoc>()
    const ids = operations(doc).map(({ op }) => op.operationId ?? '')
    expect(ids.every((id) => /^[a-z]+[A-Za-z0-9]*$/.test(id))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(operationIdOf('get', '/api/v1/users/{id}/posts')).toBe('getUsersByIdPosts')
    expect(operationIdOf('put', '/api/v1/users/plan')).toBe('putUsersPlan')
    expect(operationIdOf('get', '/')).toBe('getRoot')
  })

  it('declares security on every operation: bearer behind requireAuth, none on public routes', async () => {
    const doc = await (await SELF.fetch(`${BASE}/openapi.json`)).json<OpenApiDoc>()
    const authed = new Set(
      app.routes.filter((r) => isAuthGate(r.handler)).map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
    )
    const wrong = operations(doc).filter(({ method, path, op }) => {
      if (!op.security) return true
      const bearer = op.security.some((s) => 'bearerAuth' in s)
      return authed.has(`${method} ${path}`) ? !bearer : bearer && !op.security.some((s) => !('bearerAuth' in s))
    })
    expect(wrong.map(({ method, path }) => `${method} ${path}`)).toEqual([])
    expect(doc.paths['/api/v1/auth/login']?.post?.security).toEqual([])
    expect(doc.paths['/api/v1/readings/devices/{serialNumber}/readings']?.post?.security).toEqual([{ deviceKey: [] }])
    expect(doc.components.securitySchemes.deviceKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'x-device-key',
    })
  })

  it('gives every operation a 4xx response and the document a license', async () => {
    const doc = await (await SELF.fetch(`${BASE}/openapi.json`)).json<OpenApiDoc>()
    const without = operations(doc).filter(({ op }) => !Object.keys(op.responses).some((s) => s.startsWith('4')))
    expect(without).toEqual([])
    expect(doc.info.license?.name).toBeTruthy()
  })

  it('serves /docs as HTML whose scripts and styles come from this Worker, not a CDN', async () => {
    const res = await SELF.fetch(`${BASE}/docs`)
    expect(res.status).toBe(200)
    const html = await res.text()
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    expect(assets.length).toBeGreaterThanOrEqual(2)
    for (const url of assets) expect(url.startsWith('/docs/assets/')).toBe(true)
  })

  it('serves every asset the docs page references from the Worker itself', async () => {
    const html = await (await SELF.fetch(`${BASE}/docs`)).text()
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const res = await SELF.fetch(`${BASE}${url}`)
      expect(res.status, url).toBe(200)
      expect((await res.text()).length, url).toBeGreaterThan(100_000)
    }
  })

  it('answers 404 for an asset it does not have', async () => {
    expect((await SELF.fetch(`${BASE}/docs/assets/secrets.js`)).status).toBe(404)
  })
})
