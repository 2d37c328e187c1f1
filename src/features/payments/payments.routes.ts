import { createRoute } from '@hono/zod-openapi'
import { errorResponses as e, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { PageQuery, pageSchema } from '../../lib/pagination'
import { authed, requireAuth, requireRole } from '../../lib/auth'
import { exemptFromApiLimit } from '../../lib/rate-limit/exempt'
import { PlanBody, PlanChangeSchema } from '../jobs/jobs.schemas'
import { UserIdParam } from '../users/users.schemas'
import * as s from './payments.schemas'

const tags = ['Payments']
const security = [{ bearerAuth: [] }]

export const checkout = createRoute({
  method: 'post',
  path: '/payments/checkout',
  tags,
  security,
  middleware: [requireAuth()] as const,
  summary: 'Start an upgrade: a Stripe Checkout session (the plan changes when Stripe confirms payment)',
  request: jsonBody(s.CheckoutBody),
  responses: {
    201: jsonContent(successSchema(s.CheckoutSchema), 'Session created'),
    ...e(401, 409, 422, 503),
  },
})

export const list = createRoute({
  method: 'get',
  path: '/payments',
  tags,
  security,
  middleware: [requireAuth()] as const,
  summary: 'Your payments, newest first',
  request: { query: PageQuery },
  responses: { 200: jsonContent(pageSchema(s.PaymentSchema), 'A page of payments'), ...e(401, 422) },
})

export const webhook = createRoute({
  method: 'post',
  path: '/webhooks/stripe',
  tags,
  // Stripe's delivery IPs must never hit the per-IP API limit; the signature check is the guard here.
  middleware: [exemptFromApiLimit] as const,
  summary: 'Stripe webhook (signed; each event applied once)',
  description:
    'The raw Stripe event JSON, verified against `Stripe-Signature` with STRIPE_WEBHOOK_SECRET (5 min tolerance). ' +
    'Applies checkout.session.completed, customer.subscription.updated/deleted and invoice.payment_failed; ' +
    'acknowledges every other type. A redelivered event answers 200 with `duplicate: true`.',
  request: { headers: s.WebhookHeaders },
  responses: {
    200: jsonContent(successSchema(s.WebhookAckSchema), 'Received'),
    ...e(400, 503),
  },
})

export const adminSetPlan = createRoute({
  method: 'put',
  path: '/admin/users/{id}/plan',
  tags: ['Admin'],
  security,
  middleware: authed(requireRole('admin')),
  summary: "Set any user's plan, up or down, without payment (a downgrade pauses excess jobs)",
  request: { params: UserIdParam, ...jsonBody(PlanBody) },
  responses: { 200: jsonContent(successSchema(PlanChangeSchema), 'Plan changed'), ...e(401, 403, 404, 422) },
})
