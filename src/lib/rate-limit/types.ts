export type RateRule = { limit: number; windowSec: number }

export type LimitResult = {
  success: boolean
  limit: number
  remaining: number
  /** Epoch milliseconds when the window frees a slot. */
  reset: number
  /** Set when the backend did not answer: the result is a fail-open guess, not a count. */
  reason?: 'timeout' | 'error'
  /** Units taken when more than one was asked for (`units`); 1 otherwise when `success`. */
  granted?: number
}

/** What both backends (Upstash Redis, the RateLimiter Durable Object) offer. */
export interface RateLimitBackend {
  readonly name: 'upstash' | 'durable-object'
  /** Spends `units` (default 1) of `key`'s budget, or as many as are left (`granted`). */
  limit(bucket: string, key: string, rule: RateRule, units?: number): Promise<LimitResult>
  /** Gives back one unit `limit` spent (an attempt that turned out not to count). Best effort: logs, never throws. */
  refund(bucket: string, key: string, rule: RateRule): Promise<void>
  /** Forgets everything `key` spent (a successful login clears its failures). Best effort: logs, never throws. */
  reset(bucket: string, key: string, rule: RateRule): Promise<void>
  ping(): Promise<void>
}

export function failOpen(rule: RateRule, reason: 'timeout' | 'error'): LimitResult {
  return { success: true, limit: rule.limit, remaining: rule.limit, reset: Date.now() + rule.windowSec * 1000, reason }
}

/** Races `promise` against `ms`; settles as `onTimeout()` does (returns or throws) when the backend is too slow. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<T>((resolve, reject) => {
    // A throw inside a timer callback would escape the promise (and leave the race hanging): reject instead.
    timer = setTimeout(() => {
      try {
        resolve(onTimeout())
      } catch (err) {
        reject(err)
      }
    }, ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}
