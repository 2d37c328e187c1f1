/** Drives one scenario with autocannon: a short warm-up, then the measured run. */
import autocannon, { type Result } from 'autocannon'
import type { BenchRequest } from './scenarios'

export type LoadOptions = { connections: number; duration: number; warmup: number }

export type Measurement = {
  /** autocannon connections actually used */
  connections: number
  rps: number
  p50: number
  p99: number
  requests: number
  non2xx: number
  errors: number
  statusCodes: Record<string, number>
}

const positive = (name: string, fallback: number) => {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`)
  return value
}

/** An integer option from the environment, from `min` to `max`; `fallback` when unset or empty. */
export function intFromEnv<F extends number | undefined>(
  name: string,
  fallback: F,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number | F {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  return value
}

export function loadOptionsFromEnv(): LoadOptions {
  return {
    connections: positive('BENCH_CONNECTIONS', 50),
    duration: positive('BENCH_DURATION', 10),
    warmup: positive('BENCH_WARMUP', 3),
  }
}

function run(baseUrl: string, req: BenchRequest, connections: number, duration: number): Promise<Result> {
  return autocannon({
    url: new URL(req.path, baseUrl).href,
    connections,
    duration,
    method: req.method ?? 'GET',
    headers: req.headers,
    body: req.body,
  })
}

export async function measure(baseUrl: string, req: BenchRequest, opts: LoadOptions): Promise<Measurement> {
  await run(baseUrl, req, opts.connections, opts.warmup)
  const r = await run(baseUrl, req, opts.connections, opts.duration)
  return {
    connections: opts.connections,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.totalCompletedRequests,
    non2xx: r.non2xx,
    errors: r.errors, // autocannon already counts timeouts here
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count])),
  }
}

/**
 * Sends the request once before measuring. A non-2xx answer is returned with its body, so a broken
 * setup (wrong credentials, an expired token, a rate limit) is explained, not just counted.
 */
export async function preflight(baseUrl: string, req: BenchRequest): Promise<string | undefined> {
  try {
    const res = await fetch(new URL(req.path, baseUrl), {
      method: req.method ?? 'GET',
      headers: req.headers,
      body: req.body,
    })
    const text = await res.text()
    return res.ok ? undefined : `${req.method ?? 'GET'} ${req.path} -> ${res.status} ${text.slice(0, 300)}`
  } catch (err) {
    return `${req.method ?? 'GET'} ${req.path} -> ${err instanceof Error ? err.message : String(err)}`
  }
}
