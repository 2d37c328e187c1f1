import type Stripe from 'stripe'
import type { Plan } from '../../db/schema'
import type { Config } from '../../env'
import { randomToken, timestampedHmac, timingSafeEqual } from '../../lib/crypto'
import { ApiError } from '../../lib/errors'

/** The paid plans and the Stripe price each is sold at (STRIPE_PRICE_PREMIUM, STRIPE_PRICE_PRO). */
export const priceOf = (config: Config, plan: Exclude<Plan, 'FREE'>) =>
  plan === 'PREMIUM' ? config.STRIPE_PRICE_PREMIUM : config.STRIPE_PRICE_PRO

/** The paid plan a Stripe price id sells, if it is one of ours. */
export function planOfPrice(config: Config, priceId: string | undefined): Plan | undefined {
  if (!priceId) return undefined
  if (priceId === config.STRIPE_PRICE_PREMIUM) return 'PREMIUM'
  if (priceId === config.STRIPE_PRICE_PRO) return 'PRO'
  return undefined
}

/*
 * Outpost calls four Stripe endpoints and verifies webhooks, so it speaks Stripe's REST API over fetch
 * with the `stripe` package's types, rather than bundling the SDK (~33 KiB of the Worker's gzip for every
 * resource Stripe has; docs/decisions.md). What the SDK would do is kept: the API version its types
 * describe, one retry of a failed call (409, 5xx, a dropped connection) under the same idempotency key, a
 * 10 s timeout, and the signature scheme with its tolerance.
 */
const API = 'https://api.stripe.com/v1'
const API_VERSION: Stripe.LatestApiVersion = '2026-11-18.endive'
const TIMEOUT_MS = 10_000

/** Stripe's answer to a call it refused: its `error.type` and `error.code`. */
class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code?: string,
  ) {
    super(`Stripe answered ${status} ${code ?? type}`)
  }
}

type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value }
type Params = { [key: string]: Value }

/** Stripe's form encoding: nested objects and arrays as `a[b]` and `a[0][b]`; null clears a field. */
function formOf(value: Value, into = new URLSearchParams(), name = '') {
  if (value === undefined) return into
  if (value === null || typeof value !== 'object') into.append(name, value === null ? '' : String(value))
  else for (const [key, item] of Object.entries(value)) formOf(item, into, name ? `${name}[${key}]` : key)
  return into
}

const retryable = (res: Response) =>
  res.headers.get('stripe-should-retry') === 'true' ||
  (res.headers.get('stripe-should-retry') !== 'false' && (res.status === 409 || res.status >= 500))

async function request<T>(secretKey: string, method: 'GET' | 'POST' | 'DELETE', path: string, params?: Params) {
  const headers: Record<string, string> = {
    authorization: `Bearer ${secretKey}`,
    'stripe-version': API_VERSION,
    accept: 'application/json',
  }
  if (method === 'POST') {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    headers['idempotency-key'] = randomToken(16)
  }
  const body = params && formOf(params).toString()
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${API}${path}`, { method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) }).catch(
      (err: unknown) => {
        if (attempt > 0) throw err
      },
    )
    if (!res) continue
    if (res.ok) return (await res.json()) as T
    if (attempt === 0 && retryable(res)) continue
    const { error } = (await res.json().catch(() => ({}))) as { error?: { type?: string; code?: string } }
    throw new StripeError(res.status, error?.type ?? 'api_error', error?.code)
  }
}

/** A client for the calls Outpost makes; 503 when payments are not configured. */
export function stripeOf(config: Config) {
  const key = config.STRIPE_SECRET_KEY
  if (!key || !config.STRIPE_PRICE_PREMIUM || !config.STRIPE_PRICE_PRO) {
    throw ApiError.unavailable('Payments are not configured (STRIPE_SECRET_KEY and the STRIPE_PRICE_* ids)')
  }
  return {
    createCheckoutSession: (params: Stripe.Checkout.SessionCreateParams) =>
      request<Stripe.Checkout.Session>(key, 'POST', '/checkout/sessions', params as Params),
    retrieveSubscription: (id: string) =>
      request<Stripe.Subscription>(key, 'GET', `/subscriptions/${encodeURIComponent(id)}`),
    updateSubscription: (id: string, params: Stripe.SubscriptionUpdateParams) =>
      request<Stripe.Subscription>(key, 'POST', `/subscriptions/${encodeURIComponent(id)}`, params as Params),
    cancelSubscription: (id: string) =>
      request<Stripe.Subscription>(key, 'DELETE', `/subscriptions/${encodeURIComponent(id)}`),
  }
}

/** Stripe answering an error or not at all is a dependency failure to our caller, never a 500. */
export async function callStripe<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw ApiError.unavailable(`Stripe could not ${what}`, {
      stripe: err instanceof StripeError ? (err.code ?? err.type) : String(err),
    })
  }
}

/** Seed-wide tolerance for a webhook's timestamp: older deliveries are refused as replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 300

/**
 * Stripe's check of `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`: one v1 must be the HMAC-SHA256 of
 * `"<t>.<payload>"` under the endpoint's secret, and t no older than the tolerance.
 */
async function verifySignature(payload: string, header: string, secret: string) {
  const parts = header.split(',').map((p) => p.split('=') as [string, string?])
  const timestamp = Number(parts.find(([k]) => k === 't')?.[1])
  const signatures = parts.filter(([k, v]) => k === 'v1' && v).map(([, v]) => v!)
  if (!Number.isInteger(timestamp) || signatures.length === 0) return 'Unable to extract timestamp and signatures'
  const expected = await timestampedHmac(secret, timestamp, payload)
  if (!signatures.some((s) => timingSafeEqual(s, expected))) return 'No signature matches the expected signature'
  if (Math.floor(Date.now() / 1000) - timestamp > WEBHOOK_TOLERANCE_SECONDS)
    return 'Timestamp outside the tolerance zone'
  return undefined
}

/** The verified event of a webhook delivery; 400 on a missing, bad or stale signature. */
export async function verifyEvent(config: Config, payload: string, signature: string | undefined) {
  if (!config.STRIPE_WEBHOOK_SECRET) throw ApiError.unavailable('STRIPE_WEBHOOK_SECRET is not set')
  if (!signature) throw ApiError.badRequest('Missing Stripe-Signature header')
  const reason = await verifySignature(payload, signature, config.STRIPE_WEBHOOK_SECRET)
  if (reason) throw ApiError.badRequest('Invalid Stripe signature', { reason })
  try {
    return JSON.parse(payload) as Stripe.Event
  } catch {
    throw ApiError.badRequest('Invalid Stripe signature', { reason: 'The signed payload is not JSON' })
  }
}

export type { Stripe }
