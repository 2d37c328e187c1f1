/** Drives one scenario with autocannon: a short warm-up, then the measured run. */
import autocannon, { type Result } from 'autocannon'
import type { BenchRequest } from './scenarios'

export type LoadOptions = { connections: number; duration: number; warmup: number }

export type Measurement = {
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
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.totalCompletedRequests,
    non2xx: r.non2xx,
    errors: r.errors, // autocannon already counts timeouts here
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count])),
  }
}
