import { sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { executions, jobAccounts, type Plan } from '../../db/schema'
import type { Config } from '../../env'
import { limitsOf } from './jobs.service'

/** Finished execution logs older than their owner's plan keeps them (7 / 30 / 90 days by default). */
export async function deleteExpiredExecutions(db: Database, config: Config) {
  const days = (plan: Plan) => limitsOf(config, plan).logRetentionDays
  const r = await db.execute(sql`
    delete from ${executions} e
    using (select user_id, plan from ${jobAccounts}) a
    where a.user_id = e.user_id and e.status in ('SUCCESS', 'FAILED')
      and e.created_at < now() - make_interval(days => case a.plan
        when 'PRO' then ${days('PRO')}::int when 'PREMIUM' then ${days('PREMIUM')}::int else ${days('FREE')}::int end)`)
  return r.rowCount ?? 0
}
