import { sql } from 'drizzle-orm'
import { emailOtps, executions, jobAccounts, passwordResets, sessions } from '../db/schema'
import type { TickContext } from './registry'

/** Hourly: sessions expired or revoked a week ago (their refresh tokens cascade), dead reset tokens. */
export async function cleanupSessions({ db }: TickContext) {
  const s = await db.execute(
    sql`delete from ${sessions} where expires_at < now() - interval '7 days' or revoked_at < now() - interval '7 days'`,
  )
  const r = await db.execute(sql`delete from ${passwordResets} where expires_at < now() - interval '1 day'`)
  return { sessionsDeleted: s.rowCount ?? 0, resetTokensDeleted: r.rowCount ?? 0 }
}

/** Daily: verification codes past their expiry. */
export async function cleanupOtps({ db }: TickContext) {
  const r = await db.execute(sql`delete from ${emailOtps} where expires_at < now()`)
  return { otpsDeleted: r.rowCount ?? 0 }
}

/** Weekly: execution logs older than the owner's plan keeps them (7 / 30 / 90 days by default). */
export async function retainLogs({ db, config }: TickContext) {
  const days = (plan: 'FREE' | 'PREMIUM' | 'PRO') =>
    ({ FREE: config.PLAN_FREE, PREMIUM: config.PLAN_PREMIUM, PRO: config.PLAN_PRO })[plan].logRetentionDays
  const r = await db.execute(sql`
    delete from ${executions} e
    using (select user_id, plan from ${jobAccounts}) a
    where a.user_id = e.user_id and e.status in ('SUCCESS', 'FAILED')
      and e.created_at < now() - make_interval(days => case a.plan
        when 'PRO' then ${days('PRO')}::int when 'PREMIUM' then ${days('PREMIUM')}::int else ${days('FREE')}::int end)`)
  return { executionsDeleted: r.rowCount ?? 0 }
}
