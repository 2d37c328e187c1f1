import type { AlertOut } from '../features/alerts/alerts.schemas'

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
}

/** An alert transition, with what a notification needs to say where it happened. */
export type AlertEvent = { alert: AlertOut; serialNumber: string; coldCellName: string }
