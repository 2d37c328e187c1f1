import { append } from './dom'
import uPlot from 'uplot'

/** A uPlot line chart sized to its container (and re-sized with it), for phones and desktops alike. */
export function lineChart(
  container: HTMLElement,
  opts: {
    title: string
    series: { label: string; stroke: string; dash?: number[] }[]
    yLabel?: string
    height?: number
    /** Show the last this many seconds up to now (a live chart), not just the data's own span. */
    windowSec?: number
  },
  data: uPlot.AlignedData,
) {
  const width = () => Math.max(240, container.clientWidth)
  const plot = new uPlot(
    {
      title: opts.title,
      width: width(),
      height: opts.height ?? 260,
      scales: {
        x: opts.windowSec
          ? {
              time: true,
              range: (_u, _min, max) => [
                Math.max(max, Date.now() / 1000) - (opts.windowSec ?? 0),
                Math.max(max, Date.now() / 1000),
              ],
            }
          : { time: true },
        y: opts.windowSec ? { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.2)] } : {},
      },
      axes: [{}, { label: opts.yLabel }],
      series: [
        {},
        ...opts.series.map((s) => ({ label: s.label, stroke: s.stroke, dash: s.dash, width: 2, spanGaps: true })),
      ],
    },
    data,
    container,
  )
  const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: opts.height ?? 260 }))
  observer.observe(container)
  return {
    plot,
    destroy: () => {
      observer.disconnect()
      plot.destroy()
    },
  }
}

/** A sparkline as inline SVG (no axes, no library): the last values of a series, scaled to fit. */
export function sparkline(values: number[], label: string) {
  const w = 120
  const hgt = 28
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg')
  svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`)
  svg.setAttribute('width', String(w))
  svg.setAttribute('height', String(hgt))
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', label)
  svg.classList.add('spark')
  // One run draws a flat line; none draws nothing.
  if (values.length === 1) values = [values[0] as number, values[0] as number]
  if (values.length > 1) {
    const max = Math.max(...values)
    const min = Math.min(...values)
    const span = max - min || 1
    const points = values.map(
      (v, i) =>
        `${((i / (values.length - 1)) * (w - 2) + 1).toFixed(1)},${(hgt - 2 - ((v - min) / span) * (hgt - 4)).toFixed(1)}`,
    )
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline')
    line.setAttribute('points', points.join(' '))
    append(svg, [line])
  }
  return svg
}
