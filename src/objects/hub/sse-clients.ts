import type { Subscriber } from '../../features/realtime/protocol'

/** An SSE subscriber this many chunks behind is cut off (it resumes with Last-Event-ID). */
const SSE_MAX_BACKLOG = 1_000

export type SseClient = Subscriber & { connectedAt: number; writer: WritableStreamDefaultWriter<Uint8Array> }

/**
 * A hub's SSE subscribers, each the writable end of an NDJSON stream to the Worker: the one
 * in-memory part of a hub (a stream cannot outlive the instance). Writes are never awaited, so a
 * slow subscriber holds nobody up; `onDrop` runs once for every registered stream that ends.
 */
export class SseClients {
  private readonly clients = new Map<string, SseClient>()

  constructor(private readonly onDrop: (c: SseClient) => void) {}

  get size() {
    return this.clients.size
  }

  /** A new stream, not yet registered: the caller writes the replay first, then calls `add`. */
  open(sub: Subscriber) {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>()
    const client: SseClient = { ...sub, connectedAt: Date.now(), writer: writable.getWriter() }
    return { readable, client }
  }

  add(c: SseClient) {
    this.clients.set(c.clientId, c)
    c.writer.closed.catch(() => this.drop(c))
  }

  /** Queues a chunk without waiting; a subscriber too far behind is dropped so it never slows the rest. */
  write(c: SseClient, chunk: Uint8Array) {
    if ((c.writer.desiredSize ?? 0) < -SSE_MAX_BACKLOG) {
      this.drop(c, 'abort')
      return false
    }
    c.writer.write(chunk).catch(() => this.drop(c))
    return true
  }

  /** Writes to every stream; returns how many took the chunk. */
  writeAll(chunk: Uint8Array) {
    let written = 0
    for (const c of this.clients.values()) if (this.write(c, chunk)) written++
    return written
  }

  /** Ends the stream of `clientId`, when it has one here, after `last` (the reason, for the client). */
  end(clientId: string, last?: Uint8Array) {
    const c = this.clients.get(clientId)
    if (!c) return
    if (last) c.writer.write(last).catch(() => undefined)
    this.drop(c)
  }

  /** Ends a stream: after what is queued (`close`), or at once for a subscriber too far behind (`abort`). */
  drop(c: SseClient, how: 'close' | 'abort' = 'close') {
    if (this.clients.get(c.clientId) !== c) return
    this.clients.delete(c.clientId)
    ;(how === 'abort' ? c.writer.abort(new Error('subscriber too far behind')) : c.writer.close()).catch(
      () => undefined,
    )
    this.onDrop(c)
  }
}
