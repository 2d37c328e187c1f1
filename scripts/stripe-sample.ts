/**
 * Posts a signed sample Stripe event to a running Outpost, without the Stripe CLI: the webhook
 * route verifies it exactly as it verifies Stripe's own deliveries.
 *
 *   npm run stripe:sample -- --user <uuid> [--plan PRO] [--type checkout.session.completed] [--url http://127.0.0.1:8787]
 *   npm run stripe:sample -- --user <uuid> --print     # prints the curl command instead of posting
 *
 * The secret is STRIPE_WEBHOOK_SECRET from the environment, else the one `npm run dev` gives the Worker.
 */
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import Stripe from 'stripe'

export const LOCAL_STRIPE_WEBHOOK_SECRET = 'whsec_outpost_local_dev_only'

const TYPES = [
  'checkout.session.completed',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.payment_failed',
]

function sampleObject(type: string, userId: string, plan: string, price: string) {
  const customer = `cus_sample_${userId.slice(0, 8)}`
  const subscription = `sub_sample_${userId.slice(0, 8)}`
  if (type === 'checkout.session.completed') {
    return {
      id: `cs_sample_${Date.now()}`,
      object: 'checkout.session',
      client_reference_id: userId,
      customer,
      subscription,
      payment_status: 'paid',
      amount_total: plan === 'PRO' ? 4900 : 1900,
      currency: 'eur',
      metadata: { userId, plan },
    }
  }
  if (type === 'invoice.payment_failed') {
    return {
      id: `in_sample_${Date.now()}`,
      object: 'invoice',
      customer,
      amount_due: 1900,
      currency: 'eur',
      next_payment_attempt: null,
      parent: { subscription_details: { subscription, metadata: { userId, plan } } },
    }
  }
  const status = type === 'customer.subscription.deleted' ? 'canceled' : 'active'
  return {
    id: subscription,
    object: 'subscription',
    customer,
    status,
    metadata: { userId },
    items: { data: [{ id: 'si_sample', price: { id: price } }] },
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      plan: { type: 'string', default: 'PRO' },
      type: { type: 'string', default: 'checkout.session.completed' },
      price: { type: 'string', default: process.env.STRIPE_PRICE_PRO ?? 'price_sample_pro' },
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? 8787}` },
      print: { type: 'boolean', default: false },
    },
  })
  if (!values.user || !TYPES.includes(values.type)) {
    console.error(
      `usage: npm run stripe:sample -- --user <uuid> [--plan PREMIUM|PRO] [--type ${TYPES.join('|')}] [--print]`,
    )
    process.exit(2)
  }
  const event = {
    id: `evt_sample_${Date.now()}`,
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    type: values.type,
    data: { object: sampleObject(values.type, values.user, values.plan, values.price) },
  }
  const payload = JSON.stringify(event)
  const secret = process.env.STRIPE_WEBHOOK_SECRET || LOCAL_STRIPE_WEBHOOK_SECRET
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret })
  const endpoint = `${values.url}/api/v1/webhooks/stripe`
  if (values.print) {
    console.log(
      `curl -s -X POST '${endpoint}' -H 'content-type: application/json' \\\n  -H 'stripe-signature: ${signature}' \\\n  --data '${payload}'`,
    )
    return
  }
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  })
  console.log(res.status, await res.text())
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
