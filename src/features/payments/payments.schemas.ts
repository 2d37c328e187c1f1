import { z } from '@hono/zod-openapi'
import { payments } from '../../db/schema'
import { selectSchema } from '../../lib/table-schema'

export const PaymentSchema = selectSchema(payments).omit({ userId: true }).openapi('Payment')

export const CheckoutBody = z.strictObject({ plan: z.enum(['PREMIUM', 'PRO']) }).openapi('CheckoutRequest')
export type CheckoutInput = z.infer<typeof CheckoutBody>

export const CheckoutSchema = z
  .object({
    payment: PaymentSchema,
    sessionId: z.string().openapi({ example: 'cs_test_a1b2c3' }),
    url: z.string().nullable().openapi({ description: "Stripe's hosted checkout page; send the user there" }),
  })
  .openapi('Checkout')

export const WebhookHeaders = z.object({
  // Optional to the validator: a missing signature is a 400 from the handler, like a bad one.
  'stripe-signature': z
    .string()
    .optional()
    .openapi({ description: 't=<unix seconds>,v1=<HMAC-SHA256 of "t.body"> (Stripe signature scheme)' }),
})

export const WebhookAckSchema = z
  .object({ received: z.literal(true), duplicate: z.boolean() })
  .openapi('StripeWebhookAck')
