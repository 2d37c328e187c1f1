import type uPlot from 'uplot'
import { lineChart } from '../chart'
import { celsius, fill, h, prepend, titled, when } from '../dom'
import { subscribe } from '../live'
import { api, dataOf, errorText } from '../session'
import {
  applyEvent,
  type CellState,
  deviceList,
  HEALTH_TEXT,
  health,
  loadCells,
  type ReadingPayload,
} from './coldchain'

const RANGES = [
  { range: '24h', label: '24 h' },
  { range: '7d', label: '7 days' },
  { range: '30d', label: '30 days' },
] as const
type Range = (typeof RANGES)[number]['range']
type AlertRow = {
  id: string
  type: string
  severity: string
  message: string
  firstTriggeredAt: string
  triggerCount: number
  status: string
}

const secs = (iso: string) => Date.parse(iso) / 1000

/**
 * One cold cell: status, the 24 h / 7 d / 30 d chart (average with min and max per bucket, and the thresholds),
 * live readings appended as they arrive on `coldcell:<id>`, and the cell's active alerts with a resolve form.
 */
export function cellView(main: HTMLElement, id?: string) {
  if (!id) return undefined
  const title = h('h1', {}, 'Cold cell')
  const summary = h('div', { class: 'summary', 'aria-live': 'polite' })
  const rangeButtons = RANGES.map((r) =>
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'aria-pressed': r.range === '24h' ? 'true' : 'false',
        onclick: () => void showRange(r.range),
      },
      r.label,
    ),
  )
  const chartBox = h('div', { class: 'chart', id: 'chart' })
  const alertsList = h('ul', { class: 'alert-list', 'aria-live': 'polite', id: 'alerts' })
  const liveList = h('ol', { class: 'live-readings', id: 'live-readings', reversed: true })
  const error = h('p', { class: 'error', role: 'alert' })
  fill(
    main,
    h('p', {}, h('a', { href: '#/coldchain' }, '← All cold cells')),
    title,
    error,
    summary,
    titled(
      'chart',
      'Temperature',
      h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Range' }, rangeButtons),
      chartBox,
    ),
    titled('alerts', 'Active alerts', alertsList),
    titled('live', 'Live readings', liveList),
  )

  let state: CellState | undefined
  let range: Range = '24h'
  let chart: ReturnType<typeof lineChart> | undefined
  let data: [number[], (number | null)[], (number | null)[], (number | null)[], number[], number[]] = [
    [],
    [],
    [],
    [],
    [],
    [],
  ]
  let gone = false
  const seen = new Set<string>()

  const renderSummary = () => {
    if (!state) return
    const s = state
    const st = health(s)
    title.textContent = s.cell.name
    fill(
      summary,
      h(
        'p',
        { class: `cell ${st}`, 'data-state': st, id: 'cell-state' },
        h('span', { class: 'badge' }, HEALTH_TEXT[st]),
        ' ',
        h('span', { class: 'temp' }, celsius(s.temperature)),
        h('span', { class: 'muted' }, ` at ${when(s.at)} · range ${s.cell.minTemp} to ${s.cell.maxTemp} °C`),
      ),
      deviceList(s),
    )
  }

  const renderAlerts = async () => {
    try {
      const rows = (await dataOf(
        await api.alerts.alerts.$get({ query: { coldCellId: id, status: 'ACTIVE', limit: '100' } }),
      )) as AlertRow[]
      if (gone) return
      fill(alertsList, rows.length ? rows.map(alertItem) : h('li', { class: 'muted' }, 'No active alert.'))
    } catch (err) {
      error.textContent = errorText(err)
    }
  }

  const alertItem = (a: AlertRow) => {
    const noteId = `note-${a.id}`
    const status = h('span', { role: 'status' })
    const note = h('input', { id: noteId, name: 'note', maxlength: 1000, placeholder: 'What was done' })
    const button = h('button', { type: 'submit' }, 'Resolve')
    return h(
      'li',
      { class: `alert ${a.severity.toLowerCase()}`, 'data-alert': a.id },
      h(
        'p',
        {},
        h('strong', {}, a.type.replace('_', ' ')),
        ` · ${a.severity} · since ${when(a.firstTriggeredAt)}`,
        a.triggerCount > 1 ? ` · ${a.triggerCount}×` : '',
      ),
      h('p', {}, a.message),
      h(
        'form',
        {
          class: 'resolve',
          onsubmit: async (e: Event) => {
            e.preventDefault()
            button.disabled = true
            try {
              const text = note.value.trim()
              await dataOf(
                await api.alerts.alerts[':id'].resolve.$patch({
                  param: { id: a.id },
                  json: text ? { note: text } : {},
                }),
              )
              state?.alerts.delete(a.id)
              renderSummary()
              void renderAlerts()
            } catch (err) {
              status.textContent = errorText(err)
              button.disabled = false
            }
          },
        },
        h('label', { for: noteId }, 'Note'),
        note,
        button,
        status,
      ),
    )
  }

  const showRange = async (next: Range) => {
    range = next
    for (const [i, b] of rangeButtons.entries())
      b.setAttribute('aria-pressed', RANGES[i]?.range === next ? 'true' : 'false')
    try {
      const history = await dataOf(
        await api.readings.readings.coldcells[':id'].readings.$get({ param: { id }, query: { range: next } }),
      )
      if (gone || !state) return
      const x = history.buckets.map((b) => secs(b.start))
      data = [
        x,
        history.buckets.map((b) => b.avg),
        history.buckets.map((b) => b.min),
        history.buckets.map((b) => b.max),
        x.map(() => state!.cell.maxTemp),
        x.map(() => state!.cell.minTemp),
      ]
      chart?.destroy()
      chart = lineChart(
        chartBox,
        {
          title: `${state.cell.name}, last ${RANGES.find((r) => r.range === next)?.label}`,
          yLabel: '°C',
          series: [
            { label: 'Average', stroke: '#1d4ed8' },
            { label: 'Min', stroke: '#0f766e', dash: [4, 4] },
            { label: 'Max', stroke: '#b45309', dash: [4, 4] },
            { label: 'Max allowed', stroke: '#b91c1c', dash: [10, 5] },
            { label: 'Min allowed', stroke: '#6d28d9', dash: [10, 5] },
          ],
        },
        data as uPlot.AlignedData,
      )
    } catch (err) {
      error.textContent = errorText(err)
    }
  }

  /** A live reading: a row in the list, and a point at the end of the 24 h chart. */
  const appendReading = (r: ReadingPayload, eventId: number) => {
    const key = `${r.deviceId}@${r.recordedAt}`
    if (seen.has(key)) return
    seen.add(key)
    prepend(
      liveList,
      h(
        'li',
        { 'data-recorded-at': r.recordedAt, 'data-event-id': eventId },
        h('time', { datetime: r.recordedAt }, when(r.recordedAt)),
        ` ${celsius(r.temperature)} from ${r.serialNumber}`,
      ),
    )
    if (range !== '24h' || !chart || !state) return
    const t = secs(r.recordedAt)
    if (data[0].length && t <= (data[0][data[0].length - 1] ?? 0)) return
    data[0].push(t)
    data[1].push(r.temperature)
    data[2].push(null)
    data[3].push(null)
    data[4].push(state.cell.maxTemp)
    data[5].push(state.cell.minTemp)
    chart.plot.setData(data as uPlot.AlignedData)
  }

  let unsubscribe: (() => void) | undefined
  void (async () => {
    try {
      const cells = await loadCells(id)
      if (gone) return
      state = cells.get(id)
      renderSummary()
      await Promise.all([showRange('24h'), renderAlerts()])
      if (gone) return
      unsubscribe = subscribe(
        `coldcell:${id}`,
        (m) => {
          if (!state) return
          applyEvent(new Map([[id, state]]), m)
          renderSummary()
          if (m.event === 'reading') appendReading(m.payload as unknown as ReadingPayload, m.id)
          else if (m.event.startsWith('alert.')) void renderAlerts()
        },
        () => void renderAlerts(),
      )
    } catch (err) {
      // Not found (or out of scope, which the API answers the same way): nothing of the cell to show.
      if (!state) fill(main, h('p', {}, h('a', { href: '#/coldchain' }, '← All cold cells')), title, error)
      error.textContent = errorText(err)
    }
  })()
  return () => {
    gone = true
    unsubscribe?.()
    chart?.destroy()
  }
}
