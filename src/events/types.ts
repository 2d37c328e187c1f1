import type { Plan } from '../db/schema'
import type { AlertOut } from '../features/alerts/alerts.schemas'
import type { TaskOut } from '../features/tasks/tasks.schemas'

/** Every domain event and its payload; ./listeners.ts says who reacts to each. */
export type DomainEvents = {
  'job.failed': {
    jobId: string
    userId: string
    jobName: string
    executionId: string
    error: string | null
    consecutiveFailures: number
    paused: boolean
  }
  'user.created': { userId: string; email: string; name: string }
  'user.deleted': { userId: string; email: string }
  'alert.triggered': AlertEvent
  'alert.resolved': AlertEvent
  'alert.escalated': AlertEvent
  'payment.completed': PaymentEvent
  'payment.failed': PaymentEvent & { downgraded: boolean }
  /** A task got a new assignee (not one who assigned it to itself). */
  'task.assigned': { task: TaskOut; assigneeId: string; assignedBy: string }
}

/** A payment Stripe confirmed or refused; amounts in the currency's minor unit, as Stripe reports them. */
export type PaymentEvent = {
  userId: string
  paymentId: string
  plan: Plan
  amount: number | null
  currency: string | null
}

/** An alert transition, with what a notification needs to say where it happened. */
export type AlertEvent = { alert: AlertOut; serialNumber: string; coldCellName: string }
