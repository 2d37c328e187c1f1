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

  /** Takes `units` hits, or as many as the window has left (`granted`, 0 when refused). */
  async limit(limit: number, windowMs: number, now = Date.now(), units = 1) {
    const { start, count, previous } = this.windowAt(now, windowMs)
    const weight = (windowMs - (now - start)) / windowMs
    const used = Math.floor(previous * weight) + count
    const granted = Math.max(0, Math.min(units, limit - used))
    this.save({ start, count: count + granted, previous }, windowMs)
    const remaining = Math.max(0, limit - used - granted)
    return { success: granted > 0, granted, limit, remaining, reset: start + windowMs }
  }

  /** Takes back one hit: from the current window, or from the previous one when the hit was made there. */
  async refund(windowMs: number, now = Date.now()) {
    const { start, count, previous } = this.windowAt(now, windowMs)
    if (count > 0) this.save({ start, count: count - 1, previous }, windowMs)
    else if (previous > 0) this.save({ start, count, previous: previous - 1 }, windowMs)
  }

  /** Forgets every hit of this key. */
  async reset() {
    await this.alarm()
    await this.ctx.storage.deleteAlarm()
  }

  /** The state rolled forward to the fixed window holding `now`. */
  private windowAt(now: number, windowMs: number): Window {
    const start = now - (now % windowMs)
    if (start === this.state.start) return this.state
    // The window just before keeps weighing; anything older is gone.
    return { start, count: 0, previous: start - this.state.start === windowMs ? this.state.count : 0 }
  }

  private save(state: Window, windowMs: number) {
    const moved = state.start !== this.state.start
    this.state = state
    // Single-threaded object, no awaits before this point: no two calls can interleave. The
    // answer does not wait for the write (allowUnconfirmed): a count lost to a crash only loosens
    // the limit, while waiting would put a disk write into every request's latency.
    this.ctx.storage.put('w', state, { allowUnconfirmed: true })
    // Forget idle keys after two windows so storage does not grow without bound (set once per window).
    if (moved) this.ctx.storage.setAlarm(state.start + 2 * windowMs, { allowUnconfirmed: true })
  }

  async ping() {
    return 'pong' as const
  }

  override async alarm() {
    await this.ctx.storage.deleteAll()
    this.state = { start: 0, count: 0, previous: 0 }
  }
}
