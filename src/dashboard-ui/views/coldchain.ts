import type { ChannelMessage } from '../../client'
import { celsius, fill, h, when } from '../dom'
import { subscribe } from '../live'
import { api, dataOf, errorText } from '../session'

type Cell = { id: string; name: string; minTemp: number; maxTemp: number; customerId: string }
type Device = { id: string; coldCellId: string; serialNumber: string; status: string; lastSeenAt: string | null }
type Alert = { id: string; coldCellId: string; type: string; message: string; status: string }
/** The `reading` event a device's batch publishes on `coldcell:<id>` and `customer:<id>`. */
export type ReadingPayload = {
  deviceId: string
  serialNumber: string
  coldCellId: string
  temperature: number
  batteryLevel?: number | null
  recordedAt: string
}

export type CellState = {
  cell: Cell
  devices: Map<string, Device & { battery?: number | null }>
  alerts: Map<string, Alert>
  temperature: number | null
  at: string | null
}

/** OK, alert (an active alert) or offline (no device online): the card's colour and its words. */
export function health(s: CellState): 'alert' | 'offline' | 'ok' {
  if (s.alerts.size) return 'alert'
  if (![...s.devices.values()].some((d) => d.status === 'ONLINE')) return 'offline'
  return 'ok'
}
export const HEALTH_TEXT = { ok: 'OK', alert: 'Alert', offline: 'Offline' } as const

/** Every page of a list route, up to `max` rows (the API caps a page at 100). */
export async function allPages<T>(page: (q: { page: string; limit: string }) => Promise<T[]>, max = 500) {
  const rows: T[] = []
  for (let n = 1; rows.length < max; n++) {
    const batch = await page({ page: String(n), limit: '100' })
    rows.push(...batch)
    if (batch.length < 100) break
  }
  return rows
}

/** The newest bucket with readings of the last 24 h: the "latest" figure until a live reading replaces it. */
export async function latestTemperature(id: string) {
  const history = await dataOf(
    await api.readings.readings.coldcells[':id'].readings.$get({ param: { id }, query: { range: '24h' } }),
  )
  const last = [...history.buckets].reverse().find((b) => b.avg !== null)
  return { temperature: last?.avg ?? null, at: last?.start ?? null }
}

/** Applies one channel event to the cells it concerns; true when something changed. */
export function applyEvent(cells: Map<string, CellState>, m: ChannelMessage) {
  if (m.event === 'reading') {
    const r = m.payload as unknown as ReadingPayload
    const s = cells.get(r.coldCellId)
    if (!s) return false
    s.temperature = r.temperature
    s.at = r.recordedAt
    const d = s.devices.get(r.deviceId)
    if (d) {
      d.status = 'ONLINE'
      d.lastSeenAt = r.recordedAt
      if (r.batteryLevel !== undefined) d.battery = r.batteryLevel
    }
    return true
  }
  if (m.event.startsWith('alert.')) {
    const a = m.payload as unknown as Alert
    const s = cells.get(a.coldCellId)
    if (!s) return false
    if (a.status === 'ACTIVE') s.alerts.set(a.id, a)
    else s.alerts.delete(a.id)
    if (a.type === 'SENSOR_ERROR' && a.status === 'ACTIVE') {
      for (const d of s.devices.values()) if (d.id === (a as { deviceId?: string }).deviceId) d.status = 'OFFLINE'
    }
    return true
  }
  return false
}

/** Loads the cells in the user's scope (the API decides which), with their devices and active alerts. */
export async function loadCells(only?: string) {
  const [cells, devices, alerts] = await Promise.all([
    only
      ? dataOf(await api.coldCells.coldcells[':id'].$get({ param: { id: only } })).then((c) => [c])
      : allPages(async (q) => dataOf(await api.coldCells.coldcells.$get({ query: q }))),
    allPages(async (q) => dataOf(await api.devices.devices.$get({ query: only ? { ...q, coldCellId: only } : q }))),
    allPages(async (q) =>
      dataOf(
        await api.alerts.alerts.$get({
          query: only ? { ...q, status: 'ACTIVE', coldCellId: only } : { ...q, status: 'ACTIVE' },
        }),
      ),
    ),
  ])
  const states = new Map<string, CellState>()
  for (const cell of cells)
    states.set(cell.id, { cell, devices: new Map(), alerts: new Map(), temperature: null, at: null })
  for (const d of devices) states.get(d.coldCellId)?.devices.set(d.id, { ...d })
  for (const a of alerts) states.get(a.coldCellId)?.alerts.set(a.id, a)
  await Promise.all(
    [...states.values()].map(async (s) => Object.assign(s, await latestTemperature(s.cell.id).catch(() => ({})))),
  )
  return states
}

export function deviceList(s: CellState) {
  if (!s.devices.size) return h('p', { class: 'muted' }, 'No device')
  return h(
    'ul',
    { class: 'devices' },
    [...s.devices.values()].map((d) =>
      h(
        'li',
        { 'data-device': d.serialNumber },
        h('span', { class: `dot ${d.status === 'ONLINE' ? 'on' : 'off'}`, 'aria-hidden': 'true' }),
        `${d.serialNumber} ${d.status === 'ONLINE' ? 'online' : 'offline'}`,
        d.battery !== undefined && d.battery !== null ? ` · battery ${d.battery}%` : '',
      ),
    ),
  )
}

function card(s: CellState) {
  const state = health(s)
  return h(
    'li',
    {},
    h(
      'a',
      {
        class: `cell ${state}`,
        href: `#/cells/${s.cell.id}`,
        'data-cell': s.cell.id,
        'data-state': state,
        'aria-label': `${s.cell.name}: ${HEALTH_TEXT[state]}, ${celsius(s.temperature)}`,
      },
      h('span', { class: 'badge' }, HEALTH_TEXT[state]),
      h('h2', {}, s.cell.name),
      h('p', { class: 'temp' }, celsius(s.temperature)),
      h('p', { class: 'muted' }, `Range ${s.cell.minTemp} to ${s.cell.maxTemp} °C · ${when(s.at)}`),
      s.alerts.size
        ? h('p', { class: 'alerts' }, `${s.alerts.size} active alert${s.alerts.size > 1 ? 's' : ''}`)
        : null,
      deviceList(s),
    ),
  )
}

/** The grid of cold cells in scope, live: one socket per customer channel its cells belong to. */
export function coldChainView(main: HTMLElement) {
  const grid = h('ul', { class: 'grid', 'aria-live': 'polite', 'aria-busy': 'true' })
  fill(main, h('h1', {}, 'Cold chain'), grid)
  let cells = new Map<string, CellState>()
  const unsubscribes: (() => void)[] = []
  let gone = false
  const render = () =>
    fill(grid, cells.size ? [...cells.values()].map(card) : h('li', {}, 'No cold cell in your scope.'))
  const load = async () => {
    try {
      cells = await loadCells()
      if (gone) return
      grid.setAttribute('aria-busy', 'false')
      render()
    } catch (err) {
      fill(grid, h('li', { class: 'error', role: 'alert' }, errorText(err)))
    }
  }
  void load().then(() => {
    if (gone) return
    for (const customerId of new Set([...cells.values()].map((s) => s.cell.customerId)))
      unsubscribes.push(
        subscribe(
          `customer:${customerId}`,
          (m) => applyEvent(cells, m) && render(),
          () => void load(),
        ),
      )
  })
  return () => {
    gone = true
    for (const u of unsubscribes) u()
  }
}
