import { DurableObject } from 'cloudflare:workers'

/**
 * One instance ("global") that knows which channel hubs currently hold connections, so a global
 * broadcast and the admin stats can reach every connected client. Hubs report only their
 * idle↔active transitions, each with a generation number so reports that arrive out of order
 * cannot undo a newer one.
 */
export class HubDirectory extends DurableObject<Env> {
  private readonly sql: SqlStorage

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS hubs (channel TEXT PRIMARY KEY, gen INTEGER NOT NULL, active INTEGER NOT NULL)`,
    )
  }

  async report(channel: string, gen: number, active: boolean) {
    this.sql.exec(
      `INSERT INTO hubs (channel, gen, active) VALUES (?, ?, ?)
       ON CONFLICT (channel) DO UPDATE SET gen = excluded.gen, active = excluded.active WHERE excluded.gen > hubs.gen`,
      channel,
      gen,
      active ? 1 : 0,
    )
  }

  /** Channels with at least one connection, as last reported. */
  async activeChannels() {
    return this.sql
      .exec<{ channel: string }>(`SELECT channel FROM hubs WHERE active = 1 ORDER BY channel`)
      .toArray()
      .map((r) => r.channel)
  }
}
