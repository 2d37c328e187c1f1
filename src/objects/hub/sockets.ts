import { wsFrame, type Subscriber } from '../../features/realtime/protocol'

/** Sockets silent (no frame, no auto-answered ping) for longer than this are closed. */
export const IDLE_MS = 60_000

export type Attachment = Subscriber & { connectedAt: number; lastActive: number }

/**
 * A hub's hibernatable WebSockets: tagged `client:<id>` and `user:<id>`, identity in each socket's
 * attachment, so a hub woken from hibernation knows every socket without any state of its own.
 */
export class HubSockets {
  constructor(private readonly ctx: DurableObjectState) {}

  accept(ws: WebSocket, sub: Subscriber, now: number) {
    this.ctx.acceptWebSocket(ws, [`client:${sub.clientId}`, ...(sub.userId ? [`user:${sub.userId}`] : [])])
    ws.serializeAttachment({ ...sub, connectedAt: now, lastActive: now } satisfies Attachment)
  }

  /** The socket's identity, its last activity refreshed to now (a client frame arrived). */
  touch(ws: WebSocket) {
    const att = attachment(ws)
    ws.serializeAttachment({ ...att, lastActive: Date.now() } satisfies Attachment)
    return att
  }

  /** After an `auth` frame: the fresh token's expiry, and what it may do now. */
  renew(ws: WebSocket, renewal: Pick<Attachment, 'expiresAt' | 'canPublish'>) {
    ws.serializeAttachment({ ...attachment(ws), ...renewal } satisfies Attachment)
  }

  /** Sockets silent for more than IDLE_MS at `now`: no frame and no ping answered by the runtime. */
  *idle(now: number) {
    for (const ws of this.ctx.getWebSockets()) {
      const pinged = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0
      if (now - Math.max(attachment(ws).lastActive, pinged) > IDLE_MS) yield ws
    }
  }

  ofClient(clientId: string) {
    return this.ctx.getWebSockets(`client:${clientId}`)
  }

  get any() {
    return this.ctx.getWebSockets().length > 0
  }

  /** Sends to every open socket but `except` (one socket, or all of a user's); a failing socket is skipped. */
  broadcast(text: string, except?: WebSocket | string) {
    let sent = 0
    const skip = typeof except === 'string' ? new Set(this.ctx.getWebSockets(`user:${except}`)) : new Set([except])
    for (const ws of this.ctx.getWebSockets()) {
      if (skip.has(ws)) continue
      try {
        ws.send(text)
        sent++
      } catch {
        // Closing socket: its close handler cleans up.
      }
    }
    return sent
  }
}

export const attachment = (ws: WebSocket) => ws.deserializeAttachment() as Attachment

export function reply(ws: WebSocket, event: string, data: unknown) {
  ws.send(wsFrame(event, data))
}

export function close(ws: WebSocket, code: number, reason?: string) {
  try {
    ws.close(code, reason)
  } catch {
    // Already closing, or closed by the runtime.
  }
}
