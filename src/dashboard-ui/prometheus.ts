/** Reading GET /metrics (Prometheus text) in the page: no parser library for two small sums. */

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

type Sample = { name: string; labels: Record<string, string>; value: number }

function* samples(text: string): Generator<Sample> {
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const name = line.match(NAME)?.[0]
    if (!name) continue
    const close = line.lastIndexOf('}')
    const labels: Record<string, string> = {}
    if (line[name.length] === '{')
      for (const [, k, v] of line.slice(name.length, close).matchAll(LABEL)) labels[k!] = v!
    yield { name, labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) }
  }
}

/** Sums every sample of each named metric (labels summed over). */
export function sumMetrics(text: string, names: readonly string[]) {
  const sums = Object.fromEntries(names.map((n) => [n, 0])) as Record<string, number>
  for (const s of samples(text)) if (s.name in sums) sums[s.name] = (sums[s.name] ?? 0) + s.value
  return sums
}

/**
 * Messages still in each queue, from `outpost_queue_messages_total`: sent − acked − dead-lettered (a retried
 * message is still in its queue). Queues have no depth API a Worker can call, so this is what the counters
 * say: it lags by the metrics flush interval and misses what an isolate counted but never flushed.
 */
export function queueBacklog(text: string, queues: readonly string[]) {
  const backlog = Object.fromEntries(queues.map((q) => [q, 0])) as Record<string, number>
  for (const s of samples(text)) {
    const q = s.labels.queue
    if (s.name !== 'outpost_queue_messages_total' || !q || !(q in backlog)) continue
    if (s.labels.outcome === 'sent') backlog[q]! += s.value
    else if (s.labels.outcome === 'acked' || s.labels.outcome === 'dead_lettered') backlog[q]! -= s.value
  }
  for (const q of queues) backlog[q] = Math.max(0, backlog[q]!)
  return backlog
}
