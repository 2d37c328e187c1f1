import type { LimitResult, RateLimitBackend, RateRule } from './types'

/**
 * A lease takes at most a fiftieth of a budget at once (and at most 25 units), so the units idle in
 * other isolates can hold back a busy client by a few percent at most, and a small budget (the auth
 * ones, 100 API calls per 15 minutes) is still counted one or two at a time.
 */
const SHARE = 50
const MAX_UNITS = 25
const MAX_LEASES = 10_000

type Lease = { units: number; result: LimitResult }
const leases = new Map<string, Lease>()

export const leaseSize = (rule: RateRule) => Math.max(1, Math.min(MAX_UNITS, Math.floor(rule.limit / SHARE)))

/**
 * Leases being taken from the backend, by lease id: concurrent requests wait for one instead of each
 * asking. Waiters poll this plain state on their own timer rather than awaiting the taker's promise:
 * in workerd a continuation queued by another request's promise runs in that request, and is
 * dropped when it ends first (the waiter then hangs until the runtime answers 500 for it).
 */
type Refill = { result?: LimitResult; error?: unknown }
const refills = new Map<string, Refill>()
const POLL_MS = 1

function take(id: string): LimitResult | undefined {
  const held = leases.get(id)
  if (!held || held.units <= 0 || Date.now() >= held.result.reset) return undefined
  held.units--
  return { ...held.result, remaining: held.result.remaining + held.units }
}

/**
 * Spends one unit of `key`'s budget, from units this isolate took ahead of time when it has some
 * left in the current window, else by taking a lease of `leaseSize(rule)` units (or what is left)
 * from the backend. A busy client then costs the backend one call per lease instead of one per
 * request; the count stays exact within an isolate, and never lets more through than the budget.
 * Requests that find the lease spent while another is taking the next one wait for it: at 50
 * concurrent requests, each would otherwise ask the backend for a lease of its own.
 */
export async function limitLeased(
  backend: RateLimitBackend,
  bucket: string,
  key: string,
  rule: RateRule,
): Promise<LimitResult> {
  const id = `${backend.name}:${bucket}:${rule.limit}/${rule.windowSec}:${key}`
  for (;;) {
    const taken = take(id)
    if (taken) return taken
    const pending = refills.get(id)
    if (!pending) break
    while (!pending.result && pending.error === undefined) await new Promise((r) => setTimeout(r, POLL_MS))
    if (pending.error !== undefined) throw pending.error
    const shared = pending.result!
    // A lease refused, or a guess because the backend did not answer, is the answer for its waiters too.
    if (!shared.success || shared.reason) return shared
  }
  leases.delete(id)
  const refill: Refill = {}
  refills.set(id, refill)
  try {
    const result = await backend.limit(bucket, key, rule, leaseSize(rule))
    const spare = result.success && !result.reason ? (result.granted ?? 1) - 1 : 0
    if (spare > 0) {
      if (leases.size >= MAX_LEASES) leases.delete(leases.keys().next().value!)
      leases.set(id, { units: spare, result })
    }
    refill.result = result
    return { ...result, remaining: result.remaining + spare }
  } catch (err) {
    refill.error = err ?? new Error('rate limit backend failed')
    throw err
  } finally {
    refills.delete(id)
  }
}
