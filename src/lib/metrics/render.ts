import { type Batch, METRICS, type MetricName } from './catalog'

/** A value read at scrape time (connections open), not accumulated. */
export type Gauge = { name: string; help: string; labels?: Record<string, string>; value: number }

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const labelText = (labels: [string, string][]) =>
  labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : ''
const num = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12))))

/** Prometheus text exposition format 0.0.4 of the merged batches and the gauges. */
export function renderPrometheus(batch: Batch, gauges: Gauge[] = []) {
  const series = new Map<MetricName, { labels: [string, string][]; values: number[] }[]>()
  for (const [key, values] of Object.entries(batch)) {
    const [name, ...labelValues] = JSON.parse(key) as [MetricName, ...string[]]
    const def = METRICS[name]
    if (!def) continue // a metric an older deploy recorded and this one no longer has
    const labels = def.labels.map((l, i): [string, string] => [l, labelValues[i] ?? ''])
    series.set(name, [...(series.get(name) ?? []), { labels, values }])
  }
  const lines: string[] = []
  for (const [name, def] of Object.entries(METRICS) as [MetricName, (typeof METRICS)[MetricName]][]) {
    lines.push(`# HELP ${name} ${def.help}`, `# TYPE ${name} ${def.type}`)
    for (const { labels, values } of series.get(name) ?? []) {
      if (def.type === 'counter') {
        lines.push(`${name}${labelText(labels)} ${num(values[0] ?? 0)}`)
        continue
      }
      const [count = 0, sum = 0, ...perBucket] = values
      let cumulative = 0
      def.buckets.forEach((le, i) => {
        cumulative += perBucket[i] ?? 0
        lines.push(`${name}_bucket${labelText([...labels, ['le', String(le)]])} ${num(cumulative)}`)
      })
      lines.push(`${name}_bucket${labelText([...labels, ['le', '+Inf']])} ${num(count)}`)
      lines.push(`${name}_sum${labelText(labels)} ${num(sum)}`, `${name}_count${labelText(labels)} ${num(count)}`)
    }
  }
  const byName = new Map<string, Gauge[]>()
  for (const g of gauges) byName.set(g.name, [...(byName.get(g.name) ?? []), g])
  for (const [name, list] of byName) {
    lines.push(`# HELP ${name} ${list[0]?.help ?? ''}`, `# TYPE ${name} gauge`)
    for (const g of list) lines.push(`${name}${labelText(Object.entries(g.labels ?? {}))} ${num(g.value)}`)
  }
  return `${lines.join('\n')}\n`
}
