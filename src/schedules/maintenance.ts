import { deleteDeadResetTokens, deleteExpiredOtps } from '../features/auth/auth.service'
import { deleteStaleSessions } from '../features/auth/sessions.service'
import { deleteExpiredExecutions } from '../features/jobs/retention.service'
import type { TickContext } from './types'

/** Hourly: sessions expired or revoked a week ago (their refresh tokens cascade), dead reset tokens. */
export async function cleanupSessions({ db }: TickContext) {
  const sessionsDeleted = await deleteStaleSessions(db)
  return { sessionsDeleted, resetTokensDeleted: await deleteDeadResetTokens(db) }
}

/** Daily: verification codes past their expiry. */
export async function cleanupOtps({ db }: TickContext) {
  return { otpsDeleted: await deleteExpiredOtps(db) }
}

/** Weekly: execution logs older than the owner's plan keeps them. */
export async function retainLogs({ db, config }: TickContext) {
  return { executionsDeleted: await deleteExpiredExecutions(db, config) }
}
