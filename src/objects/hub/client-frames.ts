import { renewConnection } from '../../features/realtime/connections.service'
import { onlineStatus, type EventData } from '../../features/realtime/hub.service'
import { wsFrame as frame, type ChannelMessage, type ClientFrame, type Close } from '../../features/realtime/protocol'
import { applyTaskFrame } from '../../features/tasks/task-frames'
import { CursorLimit } from './cursor-limit'
import type { TypingState } from './hub-state'
import type { ConnectionFilter, Members } from './members'
import type { ReplayLog } from './replay-log'
import { reply, type Attachment, type HubSockets } from './sockets'

type Parts = {
  env: Env
  channel: string
  log: ReplayLog
  members: Members
  sockets: HubSockets
  typing: TypingState
  waitUntil: (p: Promise<unknown>) => void
  fanOut: (message: ChannelMessage) => number
  schedule: () => Promise<void>
  closeConnections: (filter: ConnectionFilter, why: Close) => Promise<void>
}

/**
 * What clients send over a channel's socket, and the answers: `ping` from anyone; typing, online status, an
 * `auth` renewal, seed 001's cursors and task updates, and publishing from signed-in clients only.
 */
export class ClientFrames {
  private readonly cursors = new CursorLimit()

  constructor(private readonly p: Parts) {}

  async handle(ws: WebSocket, att: Attachment, msg: ClientFrame) {
    const { userId } = att
    if (msg.event === 'ping') return reply(ws, 'pong', { at: new Date().toISOString() })
    if (!userId)
      return reply(ws, 'error', { code: 'UNAUTHORIZED', message: `"${msg.event}" needs a signed-in connection` })
    switch (msg.event) {
      case 'typing':
        this.p.typing.start(userId, msg.data)
        return this.p.schedule()
      case 'stopTyping':
        return this.p.typing.stop(userId, msg.data)
      case 'getOnlineStatus':
        return reply(ws, 'onlineStatus', { users: await onlineStatus(this.p.env.PRESENCE_HUB, msg.data.userIds) })
      case 'auth':
        return this.renew(ws, att, msg.data.token)
      case 'cursor_position':
        return this.relayCursor(ws, att, msg.data.position)
      case 'task_update': {
        const { event, data } = await applyTaskFrame(this.p.env, userId, this.p.channel, msg.data, this.p.waitUntil)
        return reply(ws, event, data)
      }
      case 'publish':
        if (!att.canPublish)
          return reply(ws, 'error', { code: 'FORBIDDEN', message: `Clients may not publish on ${this.p.channel}` })
        this.p.fanOut(
          this.p.log.append(this.p.channel, msg.data.event, (msg.data.data ?? null) as EventData, { from: userId }),
        )
    }
  }

  /** A closed socket's cursor budget goes with it. */
  forget(clientId: string) {
    this.cursors.forget(clientId)
  }

  /** Seed 001's cursor sharing: relayed to the channel's other sockets as `cursor_update`, never stored. */
  private relayCursor(ws: WebSocket, att: Attachment, position: EventData) {
    if (!this.p.channel.startsWith('project:'))
      return reply(ws, 'error', { code: 'FORBIDDEN', message: 'cursor_position is sent on a project channel' })
    const now = Date.now()
    if (!this.cursors.allow(att.clientId, now))
      return reply(ws, 'error', { code: 'RATE_LIMITED', message: 'Too many cursor_position frames; slow down' })
    this.p.sockets.broadcast(frame('cursor_update', { userId: att.userId, position, timestamp: now }), ws)
  }

  /** An `auth` frame: a fresh token of the same session extends the socket past the one it opened with. */
  private async renew(ws: WebSocket, att: Attachment, token: string) {
    const renewal = await renewConnection(this.p.env, att, this.p.channel, token)
    if ('error' in renewal) return reply(ws, 'error', renewal.error)
    if ('close' in renewal) return this.p.closeConnections({ clientIds: [att.clientId] }, renewal.close)
    const expiresAt = this.p.members.renew(att.clientId, renewal.expiresAt)
    if (expiresAt === null) return // closed while the token was checked
    this.p.sockets.renew(ws, { expiresAt, canPublish: renewal.canPublish })
    reply(ws, 'authenticated', { expiresAt: new Date(expiresAt).toISOString() })
  }
}
