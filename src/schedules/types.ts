import type { Database } from '../db/client'
import type { Config } from '../env'

/** What each system job is given: its own database pool, the config, and the minute it runs for. */
export type TickContext = { config: Config; db: Database; at: Date }

/** A system job of the minute tick: its UTC cron schedule and a plain function. */
export type SystemJob = {
  name: string
  cron: string
  description: string
  run: (ctx: TickContext) => Promise<Record<string, unknown>>
}
