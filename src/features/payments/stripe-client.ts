import Stripe from 'stripe'
import type { Plan } from '../../db/schema'
import type { Config } from '../../env'
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

/** A client on Workers' fetch; 503 when payments are not configured. */
export function stripeOf(config: Config) {
  if (!config.STRIPE_SECRET_KEY || !config.STRIPE_PRICE_PREMIUM || !config.STRIPE_PRICE_PRO) {
    throw ApiError.unavailable('Payments are not configured (STRIPE_SECRET_KEY and the STRIPE_PRICE_* ids)')
  }
  return new Stripe(config.STRIPE_SECRET_KEY, {
    // Looks `fetch` up at each call rather than capturing it once: the runtime's (and a test's) fetch.
    httpClient: Stripe.createFetchHttpClient((input, init) => fetch(input, init)),
    maxNetworkRetries: 1,
    timeout: 10_000,
  })
}

/** Stripe answering an error or not at all is a dependency failure to our caller, never a 500. */
export async function callStripe<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw ApiError.unavailable(`Stripe could not ${what}`, {
      stripe: err instanceof Stripe.errors.StripeError ? (err.code ?? err.type) : String(err),
    })
  }
}

const cryptoProvider = Stripe.createSubtleCryptoProvider()

/** Seed-wide tolerance for a webhook's timestamp: older deliveries are refused as replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 300

/** The verified event of a webhook delivery; 400 on a missing, bad or stale signature. */
export async function verifyEvent(config: Config, payload: string, signature: string | undefined) {
  if (!config.STRIPE_WEBHOOK_SECRET) throw ApiError.unavailable('STRIPE_WEBHOOK_SECRET is not set')
  if (!signature) throw ApiError.badRequest('Missing Stripe-Signature header')
  try {
    return await Stripe.webhooks.constructEventAsync(
      payload,
      signature,
      config.STRIPE_WEBHOOK_SECRET,
      WEBHOOK_TOLERANCE_SECONDS,
      cryptoProvider,
    )
  } catch (err) {
    throw ApiError.badRequest('Invalid Stripe signature', {
      reason: err instanceof Error ? err.message.split('\n')[0] : 'unverifiable',
    })
  }
}

export type { Stripe }
