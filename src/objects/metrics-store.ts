import { DurableObject } from 'cloudflare:workers'
import { type Batch, mergeBatch } from '../lib/metrics/catalog'

/**
 * The running totals of every isolate's metrics: isolates add their batches (at most one call per isolate per
 * flush interval) and `/metrics` reads the sum. One instance; its SQLite storage keeps the counters monotonic
 * across evictions and deploys, as Prometheus expects of a counter.
 */
export class MetricsStore extends DurableObject<Env> {
  private totals: Batch = {}

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec('create table if not exists series (key text primary key, v text not null)')
      for (const row of ctx.storage.sql.exec<{ key: string; v: string }>('select key, v from series')) {
        this.totals[row.key] = JSON.parse(row.v) as number[]
      }
    })
  }

  /** Adds an isolate's batch. */
  async add(batch: Batch) {
    mergeBatch(this.totals, batch)
    for (const key of Object.keys(batch)) {
      this.ctx.storage.sql.exec(
        'insert into series (key, v) values (?, ?) on conflict (key) do update set v = excluded.v',
        key,
        JSON.stringify(this.totals[key]),
      )
    }
  }

  /** Every series' total. */
  async snapshot(): Promise<Batch> {
    return this.totals
  }
}
