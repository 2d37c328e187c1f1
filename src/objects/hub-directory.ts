import { DurableObject } from 'cloudflare:workers'
import { hubDirectory } from '../features/realtime/hub.service'
import { errorFields, log } from '../lib/logger'
import type { HubMeta } from './hub/hub-state'

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

/**
 * Called by a hub after each join and leave: tells the directory when the hub went from idle to
 * active or back, numbering the transition in the hub's own storage. A failed report is logged.
 */
export async function reportActivity(env: Pick<Env, 'HUB_DIRECTORY'>, meta: HubMeta, channel: string, active: boolean) {
  if (active === (meta.get('active') === '1')) return
  const gen = Number(meta.get('gen') ?? 0) + 1
  meta.set('gen', String(gen))
  meta.set('active', active ? '1' : '0')
  await hubDirectory(env.HUB_DIRECTORY)
    .report(channel, gen, active)
    .catch((err: unknown) => log('warn', 'hub directory report failed', { channel, ...errorFields(err) }))
}
