import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { BASE } from './helpers'
import { SELF } from 'cloudflare:test'

type OpenApiDoc = { openapi: string; info: { title: string }; paths: Record<string, Record<string, unknown>> }

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
