import type uPlot from 'uplot'
import { lineChart } from '../chart'
import { append, fill, h, titled, when } from '../dom'
import { queueBacklog, sumMetrics } from '../prometheus'
import { api, client, dataOf, errorText } from '../session'

/** The series the Operations view charts from GET /metrics: counters as a rate per second, gauges as they are. */
const KEY_METRICS = [
  { name: 'http_requests_total', title: 'HTTP requests / s', rate: true },
  { name: 'outpost_readings_ingested_total', title: 'Readings ingested / s', rate: true },
  { name: 'outpost_cron_executions_total', title: 'Cron executions / s', rate: true },
  { name: 'outpost_websocket_connections', title: 'WebSocket connections', rate: false },
] as const
const QUEUES = ['email', 'jobs'] as const
const POLL_MS = 5000
const KEEP = 120 // points: 10 minutes at one every 5 s

/** Admins: dependency health, system jobs, realtime channels, dead-letter queues, and key metrics live. */
export function opsView(main: HTMLElement) {
  const error = h('p', { class: 'error', role: 'alert' })
  const healthBox = h('div', { id: 'health', 'aria-live': 'polite' })
  const systemBody = h('tbody', { id: 'system-jobs' })
  const realtimeBox = h('div', { id: 'realtime' })
  const queuesBox = h('div', { id: 'queues' })
  const backlogBox = h('div', { id: 'backlog' })
  const charts = h('div', { class: 'charts' })
  fill(
    main,
    h('h1', {}, 'Operations'),
    error,
    titled('health', 'Dependencies', healthBox),
    titled('metrics', 'Key metrics (live, every 5 s)', charts),
    titled(
      'system',
      'System jobs',
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Job', 'Schedule', 'Status', 'Last run', 'Next run', 'Actions'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          systemBody,
        ),
      ),
    ),
    titled('queues', 'Queues and dead letters', backlogBox, queuesBox),
    titled('realtime', 'Realtime channels', realtimeBox),
  )

  const guard = async (fn: () => Promise<void>) => {
    try {
      await fn()
    } catch (err) {
      error.textContent = errorText(err)
    }
  }

  const loadHealth = () =>
    guard(async () => {
      const res = await api.health.health.$get()
      const health = (await res.json()) as {
        data?: {
          status: string
          checks: Record<string, { status: string; latencyMs: number; error?: string; backend?: string }>
          deadLetters: number | null
        }
      }
      const d = health.data
      if (!d) return
      fill(
        healthBox,
        h('p', {}, 'Overall: ', h('span', { class: `pill ${d.status}` }, d.status)),
        h(
          'ul',
          { class: 'checks' },
          Object.entries(d.checks).map(([name, c]) =>
            h(
              'li',
              { 'data-check': name },
              h('span', { class: `pill ${c.status}` }, c.status),
              ` ${name}${c.backend ? ` (${c.backend})` : ''}: ${c.latencyMs} ms`,
              c.error ? ` · ${c.error}` : '',
            ),
          ),
        ),
      )
    })

  const systemAction = (name: string, action: 'start' | 'stop' | 'trigger') =>
    guard(async () => {
      if (action === 'trigger')
        await dataOf(await api.scheduler.scheduler.jobs[':name'].trigger.$post({ param: { name } }))
      else if (action === 'start') await dataOf(await api.scheduler.scheduler.jobs.start.$post({ query: { name } }))
      else await dataOf(await api.scheduler.scheduler.jobs.stop.$post({ query: { name } }))
      await loadSystemJobs()
    })

  /** Stops a running system job, starts a stopped one. */
  const toggleButton = (name: string, action: 'stop' | 'start') => {
    const label = action === 'stop' ? 'Stop' : 'Start'
    return h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: () => void systemAction(name, action),
        'aria-label': `${label} ${name}`,
      },
      label,
    )
  }

  const loadSystemJobs = () =>
    guard(async () => {
      const jobs = await dataOf(await api.scheduler.scheduler.jobs.$get())
      fill(
        systemBody,
        jobs.map((j) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, h('span', { title: j.description }, j.name)),
            h('td', {}, h('code', {}, j.schedule)),
            h('td', {}, h('span', { class: `pill ${j.status}` }, j.status)),
            h(
              'td',
              {},
              j.lastStatus ? h('span', { class: `pill ${j.lastStatus}` }, j.lastStatus) : '',
              ` ${when(j.lastRunAt)}`,
              j.lastDurationMs !== null ? ` · ${j.lastDurationMs} ms` : '',
            ),
            h('td', {}, when(j.nextRunAt)),
            h(
              'td',
              { class: 'actions' },
              h(
                'button',
                {
                  type: 'button',
                  onclick: () => void systemAction(j.name, 'trigger'),
                  'aria-label': `Run ${j.name} now`,
                },
                'Trigger',
              ),
              toggleButton(j.name, j.status === 'running' ? 'stop' : 'start'),
            ),
          ),
        ),
      )
    })

  const loadQueues = () =>
    guard(async () => {
      const depth = async (queue: (typeof QUEUES)[number]) => {
        const res = await api.deadLetters.admin['dead-letters'].$get({
          query: { queue, status: 'pending', limit: '1' },
        })
        const body = (await res.json()) as { meta?: { total: number } }
        return body.meta?.total ?? 0
      }
      const [email, jobs] = await Promise.all([depth('email'), depth('jobs')])
      fill(
        queuesBox,
        h(
          'dl',
          { class: 'figures' },
          h('dt', {}, 'email-dlq (not replayed)'),
          h('dd', { 'data-dlq': 'email' }, email),
          h('dt', {}, 'jobs-dlq (not replayed)'),
          h('dd', { 'data-dlq': 'jobs' }, jobs),
        ),
      )
    })

  const loadRealtime = () =>
    guard(async () => {
      const stats = await dataOf(await api.realtime.sse.admin.stats.$get())
      fill(
        realtimeBox,
        h(
          'p',
          {},
          `${stats.totals.connections} connections (${stats.totals.websockets} WebSocket, ${stats.totals.sse} SSE) from ${stats.totals.users} users on ${stats.totals.channels} channels`,
        ),
        stats.channels.length
          ? h(
              'ul',
              { class: 'channels' },
              stats.channels.map((c) =>
                h(
                  'li',
                  {},
                  h('code', {}, c.channel),
                  ` · ${c.websockets} ws · ${c.sse} sse · last event ${c.lastEventId}`,
                ),
              ),
            )
          : null,
      )
    })

  // Key metrics: polled from GET /metrics (admins may read it), one small chart each.
  const plots = KEY_METRICS.map((m) => {
    const box = h('div', { class: 'mini-chart' })
    append(charts, [box])
    return {
      ...m,
      box,
      chart: undefined as ReturnType<typeof lineChart> | undefined,
      data: [[], []] as [number[], number[]],
    }
  })
  let previous: { at: number; sums: Record<string, number> } | undefined
  const pollMetrics = () =>
    guard(async () => {
      const res = await client.fetch('/metrics')
      if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`)
      const text = await res.text()
      const sums = sumMetrics(
        text,
        KEY_METRICS.map((m) => m.name),
      )
      const backlog = queueBacklog(text, QUEUES)
      fill(
        backlogBox,
        h(
          'dl',
          { class: 'figures' },
          QUEUES.flatMap((q) => [
            h('dt', {}, `${q} (in queue, from /metrics)`),
            h('dd', { 'data-backlog': q }, backlog[q]),
          ]),
        ),
      )
      const at = Date.now() / 1000
      for (const p of plots) {
        const value = p.rate
          ? previous
            ? Math.max(0, ((sums[p.name] ?? 0) - (previous.sums[p.name] ?? 0)) / (at - previous.at))
            : null
          : (sums[p.name] ?? 0)
        if (value === null) continue
        p.data[0].push(at)
        p.data[1].push(Number(value.toFixed(3)))
        if (p.data[0].length > KEEP) for (const s of p.data) s.shift()
        if (!p.chart)
          p.chart = lineChart(
            p.box,
            { title: p.title, series: [{ label: p.title, stroke: '#1d4ed8' }], height: 160, windowSec: 600 },
            p.data as uPlot.AlignedData,
          )
        else p.chart.plot.setData(p.data as uPlot.AlignedData)
      }
      previous = { at, sums }
    })

  const refresh = () => Promise.all([loadHealth(), loadSystemJobs(), loadQueues(), loadRealtime()])
  void refresh()
  void pollMetrics()
  // A rate needs two samples: the second comes a second after the first, then one every POLL_MS.
  const first = setTimeout(() => void pollMetrics(), 1000)
  const timers = [setInterval(() => void pollMetrics(), POLL_MS), setInterval(() => void refresh(), 15_000)]
  return () => {
    clearTimeout(first)
    for (const t of timers) clearInterval(t)
    for (const p of plots) p.chart?.destroy()
  }
}
