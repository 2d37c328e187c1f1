import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { PLANS } from './jobs'
import { users } from './users'

export const PAYMENT_STATUSES = ['PENDING', 'COMPLETED', 'FAILED'] as const

/**
 * What a user paid or failed to pay: one row per Checkout session (PENDING until Stripe reports it
 * completed) and one per failed invoice. UNIQUE Stripe ids make a redelivered event an upsert, not a second row.
 */
export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    plan: text('plan', { enum: PLANS }).notNull(),
    status: text('status', { enum: PAYMENT_STATUSES }).notNull().default('PENDING'),
    stripeSessionId: text('stripe_session_id').unique(),
    stripeInvoiceId: text('stripe_invoice_id').unique(),
    /** In the currency's minor unit (cents), as Stripe reports it; null until Stripe does. */
    amount: integer('amount'),
    currency: text('currency'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [index('payments_user_created_idx').on(t.userId, t.createdAt)],
)

/** A user's Stripe customer and subscription, learned from the webhook. The plan itself stays in job_accounts. */
export const billingAccounts = pgTable('billing_accounts', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  stripeCustomerId: text('stripe_customer_id').unique(),
  stripeSubscriptionId: text('stripe_subscription_id'),
  /** `created` of the last Stripe event that set the plan: Stripe does not order deliveries, so an older one is skipped. */
  planEventAt: timestamp('plan_event_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
})

/** Every Stripe event id applied, once: the primary key turns a redelivery (or a concurrent one) into a no-op. */
export const stripeEvents = pgTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
})

export type Payment = typeof payments.$inferSelect
