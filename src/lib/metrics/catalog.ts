/** Every metric the app records, with its help text and label names; `/metrics` renders them in this order. */
export const METRICS = {
  http_requests_total: {
    type: 'counter',
    help: 'HTTP requests by method, route pattern and status',
    labels: ['method', 'route', 'status'],
  },
  http_request_duration_seconds: {
    type: 'histogram',
    help: 'HTTP request duration by method and route pattern',
    labels: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  outpost_readings_ingested_total: {
    type: 'counter',
    help: 'Device readings stored (a resent reading is not counted again)',
    labels: [],
  },
  outpost_alerts_opened_total: { type: 'counter', help: 'Cold-chain alerts opened, by type', labels: ['type'] },
  outpost_alerts_resolved_total: { type: 'counter', help: 'Cold-chain alerts resolved, by type', labels: ['type'] },
  outpost_cron_executions_total: {
    type: 'counter',
    help: 'User cron job executions finished, by status',
    labels: ['status'],
  },
  outpost_cron_execution_duration_seconds: {
    type: 'histogram',
    help: 'User cron job execution duration (the HTTP call), by status',
    labels: ['status'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  },
  outpost_queue_messages_total: {
    type: 'counter',
    help: 'Queue messages by queue and outcome: sent (by the app), acked, retried, dead_lettered',
    labels: ['queue', 'outcome'],
  },
  outpost_rate_limit_decisions_total: {
    type: 'counter',
    help: 'Rate-limit decisions, by bucket and decision (allowed, limited, unavailable)',
    labels: ['bucket', 'decision'],
  },
  outpost_cache_requests_total: {
    type: 'counter',
    help: 'Cache lookups by cache and result (hit, miss, error)',
    labels: ['cache', 'result'],
  },
} as const satisfies Record<string, MetricDef>

export type MetricDef =
  | { type: 'counter'; help: string; labels: readonly string[] }
  | { type: 'histogram'; help: string; labels: readonly string[]; buckets: readonly number[] }

export type MetricName = keyof typeof METRICS
export type CounterName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'counter' ? K : never }[MetricName]
export type HistogramName = Exclude<MetricName, CounterName>
export type LabelsOf<N extends MetricName> = { [L in (typeof METRICS)[N]['labels'][number]]: string }

/**
 * A series' values, added element by element when batches merge: a counter is `[total]`; a histogram is
 * `[count, sum, n₁ … nₖ]` with nᵢ the observations in bucket i alone (made cumulative when rendered).
 */
export type Batch = Record<string, number[]>

/** One series' key in a batch: the metric name and its label values in catalog order. */
export const seriesKey = (name: MetricName, labels: Record<string, string>) =>
  JSON.stringify([name, ...METRICS[name].labels.map((l) => labels[l] ?? '')])

/** Adds `from` into `into`, element by element. */
export function mergeBatch(into: Batch, from: Batch) {
  for (const [key, values] of Object.entries(from)) {
    const sum = (into[key] ??= values.map(() => 0))
    values.forEach((v, i) => {
      sum[i] = (sum[i] ?? 0) + v
    })
  }
  return into
}
