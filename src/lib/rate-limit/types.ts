export type RateRule = { limit: number; windowSec: number }

export type LimitResult = {
  success: boolean
  limit: number
  remaining: number
  /** Epoch milliseconds when the window frees a slot. */
  reset: number
  /** Set when the backend did not answer: the result is a fail-open guess, not a count. */
  reason?: 'timeout' | 'error'
}

/** What both backends (Upstash Redis, the RateLimiter Durable Object) offer. */
export interface RateLimitBackend {
  readonly name: 'upstash' | 'durable-object'
  limit(bucket: string, key: string, rule: RateRule): Promise<LimitResult>
  ping(): Promise<void>
}

export function failOpen(rule: RateRule, reason: 'timeout' | 'error'): LimitResult {
  return { success: true, limit: rule.limit, remaining: rule.limit, reset: Date.now() + rule.windowSec * 1000, reason }
}

/** Races `promise` against `ms`; resolves to `onTimeout()` when the backend is too slow. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}
