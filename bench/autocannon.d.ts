// autocannon ships no types; only what bench/load.ts uses.
declare module 'autocannon' {
  export type Options = {
    url: string
    connections?: number
    duration?: number
    method?: string
    headers?: Record<string, string>
    body?: string
  }
  type Histogram = { average: number; mean: number; stddev: number; min: number; max: number; p50: number; p99: number }
  export type Result = {
    requests: Histogram
    latency: Histogram
    duration: number
    totalCompletedRequests: number
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats: Record<string, { count: number }>
  }
  export default function autocannon(options: Options): Promise<Result>
}
