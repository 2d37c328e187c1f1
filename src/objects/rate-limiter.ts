import { DurableObject } from 'cloudflare:workers'

type Window = { start: number; count: number; previous: number }

/**
 * Sliding-window counter for one (bucket, key): the current fixed window's count plus the
 * previous window's count weighted by how much of it still overlaps the sliding window.
 * The same approximation @upstash/ratelimit's slidingWindow uses, so both backends agree.
 */
export class RateLimiter extends DurableObject<Env> {
  private state: Window = { start: 0, count: 0, previous: 0 }

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.blockConcurrencyWhile(async () => {
      this.state = (await ctx.storage.get<Window>('w')) ?? this.state
    })
  }

  async limit(limit: number, windowMs: number, now = Date.now()) {
    const start = now - (now % windowMs)
    let { count, previous } = this.state
    if (start !== this.state.start) {
      previous = start - this.state.start === windowMs ? count : 0
      count = 0
    }
    const weight = (windowMs - (now - start)) / windowMs
    const used = Math.floor(previous * weight) + count
    const success = used < limit
    if (success) count += 1
    this.state = { start, count, previous }
    // Single-threaded object, no awaits before this point: no two calls can interleave.
    this.ctx.storage.put('w', this.state)
    // Forget idle keys after two windows so storage does not grow without bound.
    this.ctx.storage.setAlarm(start + 2 * windowMs)
    return { success, limit, remaining: Math.max(0, limit - used - (success ? 1 : 0)), reset: start + windowMs }
  }

  async ping() {
    return 'pong' as const
  }

  override async alarm() {
    await this.ctx.storage.deleteAll()
    this.state = { start: 0, count: 0, previous: 0 }
  }
}
