import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { ConfigError, loadConfig } from '../src/env'

const withVars = (vars: Record<string, string | undefined>) => ({ ...env, ...vars }) as Env

function issuesOf(vars: Record<string, string | undefined>) {
  try {
    loadConfig(withVars(vars))
  } catch (err) {
    if (err instanceof ConfigError) return err.issues
    throw err
  }
  return {}
}

describe('env validation', () => {
  it('accepts the test environment', () => {
    const config = loadConfig(env)
    expect(config.ENVIRONMENT).toBe('test')
    expect(config.RATE_LIMIT_API).toEqual({ limit: 100000, windowSec: 900 })
  })

  it('names every bad variable in one error', () => {
    const issues = issuesOf({
      JWT_SECRET: 'short',
      DATABASE_URL: undefined,
      ENVIRONMENT: 'staging',
      RATE_LIMIT_API: 'lots',
    })
    expect(Object.keys(issues).sort()).toEqual(['DATABASE_URL', 'ENVIRONMENT', 'JWT_SECRET', 'RATE_LIMIT_API'])
    expect(issues.JWT_SECRET).toBe('must be at least 32 bytes')
    expect(issues.DATABASE_URL).toBe('is required')
  })

  it('counts JWT_SECRET length in bytes, not characters', () => {
    expect(issuesOf({ JWT_SECRET: 'é'.repeat(16) })).toEqual({})
    expect(issuesOf({ JWT_SECRET: 'é'.repeat(15) }).JWT_SECRET).toBeDefined()
  })

  it('rejects a short previous secret kept for rotation', () => {
    expect(issuesOf({ JWT_PREVIOUS_SECRETS: `${'x'.repeat(32)},tiny` }).JWT_PREVIOUS_SECRETS).toBeDefined()
  })

  it('requires both Upstash credentials or neither', () => {
    expect(issuesOf({ UPSTASH_REDIS_REST_URL: 'https://eu1.upstash.io' })).toEqual({
      UPSTASH_REDIS_REST_TOKEN: 'must be set together with its pair',
    })
  })

  it('requires the API URL and key when EMAIL_PROVIDER=http', () => {
    expect(Object.keys(issuesOf({ EMAIL_PROVIDER: 'http' })).sort()).toEqual(['EMAIL_API_KEY', 'EMAIL_API_URL'])
  })

  it('takes APP_URL as an http(s) URL without its trailing slash', () => {
    expect(loadConfig(withVars({ APP_URL: 'https://app.example.com/' })).APP_URL).toBe('https://app.example.com')
    expect(issuesOf({ APP_URL: 'app.example.com' }).APP_URL).toBe('must be an http(s) URL')
  })

  it('requires the WebSocket proxy for a local DATABASE_URL', () => {
    expect(issuesOf({ DATABASE_WS_PROXY: '' })).toHaveProperty('DATABASE_WS_PROXY')
  })

  it('reports a missing binding by name', () => {
    expect(issuesOf({ RATE_LIMITER: undefined } as Record<string, undefined>)).toHaveProperty('RATE_LIMITER')
  })

  it('answers a request with one 500 CONFIG_ERROR naming the variables, never a crash in a handler', async () => {
    const res = await app.request(
      '/api/v1/health/liveness',
      {},
      withVars({ JWT_SECRET: 'short', DATABASE_URL: 'mysql://x' }),
    )
    expect(res.status).toBe(500)
    const body = await res.json<{ error: { code: string; message: string } }>()
    expect(body.error.code).toBe('CONFIG_ERROR')
    expect(body.error.message).toContain('JWT_SECRET: must be at least 32 bytes')
    expect(body.error.message).toContain('DATABASE_URL: must be a postgres:// URL')
    expect(body.error.message).not.toContain('short')
  })
})
