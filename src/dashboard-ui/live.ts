import type { ChannelMessage, ChannelSocket, ConnectionState } from '../client'
import { client } from './session'

/** Every socket the current view holds, and the state the header shows (any reconnecting one wins). */
const sockets = new Map<ChannelSocket, ConnectionState>()
const stateListeners = new Set<(state: ConnectionState | 'idle') => void>()

function overall(): ConnectionState | 'idle' {
  const states = [...sockets.values()]
  if (!states.length) return 'idle'
  if (states.includes('reconnecting')) return 'reconnecting'
  if (states.includes('connecting')) return 'connecting'
  if (states.includes('closed')) return 'closed'
  return 'open'
}

export const onConnectionState = (listener: (state: ConnectionState | 'idle') => void) => {
  stateListeners.add(listener)
  listener(overall())
}
const announce = () => {
  const state = overall()
  for (const listener of stateListeners) listener(state)
}

/**
 * Subscribes to a channel over the client's WebSocket: it reconnects by itself and resumes with `?since=` (the
 * replay ids), so `onMessage` sees each event once, in order, across drops. `onReset` runs when the hub could
 * not replay what was missed (the caller reloads). Returns the unsubscribe.
 */
export function subscribe(
  channel: string,
  onMessage: (message: ChannelMessage) => void,
  onReset?: () => void,
): () => void {
  const socket: ChannelSocket = client.channelSocket(channel, {
    onMessage,
    onFrame: (frame) => {
      if (frame.event === 'reset') onReset?.()
    },
    onState: (state) => {
      if (sockets.has(socket)) sockets.set(socket, state)
      announce()
    },
  })
  sockets.set(socket, socket.state)
  announce()
  return () => {
    sockets.delete(socket)
    socket.close()
    announce()
  }
}
