import type { Config } from '../../env'
import { cacheOf, type Cache } from '../../lib/cache'
import { errorFields, log } from '../../lib/logger'
import { hubFor, publish, publishAll, type EventData } from '../realtime/hub.service'
import { CLOSE } from '../realtime/protocol'

/** The bindings a project's live feed needs. */
export type Hubs = Pick<Config['bindings'], 'CHANNEL_HUB'>

/** What a committed change to a project reaches before the request answers: its channel and the read cache. */
export type Feed = Hubs & { cache: Cache }

export const feedOf = (config: Config): Feed => ({ CHANNEL_HUB: config.bindings.CHANNEL_HUB, cache: cacheOf(config) })

export const projectChannel = (projectId: string) => `project:${projectId}`

/** What `project:<id>` carries: every committed change to the project, its members and its tasks. */
export type ProjectEvent =
  | 'project.updated'
  | 'project.deleted'
  | 'member.added'
  | 'member.updated'
  | 'member.removed'
  | 'task.created'
  | 'task.updated'
  | 'task.deleted'

/**
 * Publishes a committed change on the project's channel before the request answers, so a client
 * sees its own changes in order. The row is the record: a failed publish is logged, the change stands.
 */
export async function publishChange(hubs: Hubs, projectId: string, event: ProjectEvent, data: EventData) {
  try {
    await publish(hubs.CHANNEL_HUB, projectChannel(projectId), event, data)
  } catch (err) {
    log('error', 'project event publish failed', { projectId, event, ...errorFields(err) })
  }
}

/** Several changes of one commit, in this order, in one call to the channel. */
export async function publishChanges(
  hubs: Hubs,
  projectId: string,
  events: { event: ProjectEvent; payload: EventData }[],
) {
  try {
    await publishAll(hubs.CHANNEL_HUB, projectChannel(projectId), events)
  } catch (err) {
    log('error', 'project event publish failed', { projectId, events: events.map((e) => e.event), ...errorFields(err) })
  }
}

/**
 * Ends (4003, access revoked) the project channel's connections of `userId`, or all of them when
 * the project is gone; before the request answers, so nothing published afterwards reaches them.
 */
export async function revokeChannel(hubs: Hubs, projectId: string, userId?: string) {
  const hub = hubFor(hubs.CHANNEL_HUB, projectChannel(projectId))
  try {
    if (userId) return await hub.closeConnections({ userId }, CLOSE.accessRevoked)
    const clientIds = (await hub.clients()).map((c) => c.clientId)
    if (clientIds.length) await hub.closeConnections({ clientIds }, CLOSE.accessRevoked)
  } catch (err) {
    log('warn', 'closing project channel connections failed', { projectId, userId, ...errorFields(err) })
  }
}
