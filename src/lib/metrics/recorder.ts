import { log } from '../logger'
import {
  type Batch,
  type CounterName,
  type HistogramName,
  type LabelsOf,
  METRICS,
  mergeBatch,
  seriesKey,
} from './catalog'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * What an isolate recorded since its last flush. Recording is a map update, never I/O: the batch goes to the
 * MetricsStore Durable Object at most once per flush interval (docs/decisions.md, "Metrics").
 */
export class MetricsRecorder {
  private pending: Batch = {}
  private lastFlush = 0
  private scheduledAt: number | undefined

  count<N extends CounterName>(name: N, labels: LabelsOf<N>, by = 1) {
    if (by) mergeBatch(this.pending, { [seriesKey(name, labels)]: [by] })
  }

  observe<N extends HistogramName>(name: N, labels: LabelsOf<N>, seconds: number) {
    const buckets: readonly number[] = METRICS[name].buckets
    const at = buckets.findIndex((le) => seconds <= le)
    const values = [1, seconds, ...buckets.map((_, i) => (i === at ? 1 : 0))]
    mergeBatch(this.pending, { [seriesKey(name, labels)]: values })
  }

  /** Takes what was recorded so far (a scrape sends its own isolate's batch before reading). */
  takeBatch(): Batch {
    const batch = this.pending
    this.pending = {}
    return batch
  }

  /** Puts back a batch the store did not take, to go with the next flush. */
  restoreBatch(batch: Batch) {
    mergeBatch(this.pending, batch)
  }

  /**
   * The flush due now, for `waitUntil`, or undefined. One flush at a time, at most one per `intervalMs`: right away
   * when the last one is older, else (unless `wait` is false) after what is left of the interval, so an isolate that
   * goes quiet still delivers its batch within the interval.
   */
  flushDue(send: (batch: Batch) => Promise<void>, intervalMs: number, now = Date.now(), wait = true) {
    // A flush whose request context was cancelled never clears its mark: give it up after a while.
    if (this.scheduledAt !== undefined && now - this.scheduledAt < intervalMs + 30_000) return undefined
    if (!Object.keys(this.pending).length) return undefined
    const delay = Math.max(0, this.lastFlush + intervalMs - now)
    if (delay > 0 && !wait) return undefined
    this.scheduledAt = now
    return sleep(delay).then(async () => {
      this.scheduledAt = undefined
      this.lastFlush = Date.now()
      const batch = this.takeBatch()
      if (!Object.keys(batch).length) return
      await send(batch).catch((err: unknown) => {
        this.restoreBatch(batch)
        log('warn', 'metrics flush failed', { error: String(err) })
      })
    })
  }
}

/** This isolate's recorder. */
export const recorder = new MetricsRecorder()

export const count: MetricsRecorder['count'] = (name, labels, by) => recorder.count(name, labels, by)
export const observe: MetricsRecorder['observe'] = (name, labels, seconds) => recorder.observe(name, labels, seconds)
