/** Cursor frames one socket may send per second; more are answered RATE_LIMITED, not relayed. */
export const CURSORS_PER_SECOND = 20

/**
 * A token bucket per socket (client id), in memory: a cursor is worthless a moment later, so a hub
 * woken from hibernation may start every socket with a full bucket again.
 */
export class CursorLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  allow(clientId: string, now: number) {
    const b = this.buckets.get(clientId) ?? { tokens: CURSORS_PER_SECOND, at: now }
    b.tokens = Math.min(CURSORS_PER_SECOND, b.tokens + ((now - b.at) / 1000) * CURSORS_PER_SECOND)
    b.at = now
    const ok = b.tokens >= 1
    if (ok) b.tokens -= 1
    this.buckets.set(clientId, b)
    return ok
  }

  forget(clientId: string) {
    this.buckets.delete(clientId)
  }
}
