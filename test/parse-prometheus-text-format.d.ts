// The parser ships no types; this is the shape test/metrics.test.ts reads.
declare module 'parse-prometheus-text-format' {
  type Sample = { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }
  export default function parse(text: string): { name: string; help: string; type: string; metrics: Sample[] }[]
}
