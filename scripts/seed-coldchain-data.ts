/**
 * What the cold-chain demo contains, and its readings and alerts as pure functions of the clock.
 * Incidents recur at the same UTC minute every day, so any 24 h window holds each one exactly
 * once and re-seeding later produces the same values for the slots it shares.
 */
import type { AlertType } from '../src/db/schema'

export const SLOT_MS = 5 * 60_000
const DAY_MS = 86_400_000

/** `heat`: the temperature climbs to `peak` (auto-resolved, or by the technician with `note`); `silence`: no readings at all. */
type Incident = {
  kind: 'heat' | 'silence'
  atMinute: number
  minutes: number
  peak?: number
  note?: string
  door?: boolean
}
export type DemoCell = {
  name: string
  minTemp: number
  maxTemp: number
  serial: string
  firmware: string
  humidity: number
  battery: number
  pendingReadings?: number
  incident?: Incident
}

type DemoCustomer = {
  name: string
  contactEmail: string
  user: string
  locations: { name: string; address: string; cells: DemoCell[] }[]
}

export const DEMO_COLDCHAIN: { technician: string; customers: DemoCustomer[] } = {
  technician: 'tech@outpost.dev',
  customers: [
    {
      name: 'Nordic Foods',
      contactEmail: 'ops@nordicfoods.example',
      user: 'customer1@outpost.dev',
      locations: [
        {
          name: 'Oslo Distribution Center',
          address: 'Kaigata 1, 0150 Oslo',
          cells: [
            // A defrost cycle that overran at 03:00 UTC.
            {
              name: 'Freezer A',
              minTemp: -25,
              maxTemp: -18,
              serial: 'CC-1001',
              firmware: '2.3.1',
              humidity: 65,
              battery: 92,
              incident: { kind: 'heat', atMinute: 180, minutes: 25, peak: -15.4 },
            },
            {
              name: 'Chiller B',
              minTemp: 0,
              maxTemp: 4,
              serial: 'CC-1002',
              firmware: '2.3.1',
              humidity: 85,
              battery: 88,
            },
          ],
        },
        {
          name: 'Bergen Harbour Store',
          address: 'Bryggen 5, 5003 Bergen',
          // The site's gateway dropped off for 40 minutes at 08:00 UTC.
          cells: [
            {
              name: 'Fish Freezer',
              minTemp: -25,
              maxTemp: -18,
              serial: 'CC-1003',
              firmware: '2.2.0',
              humidity: 70,
              battery: 95,
              incident: { kind: 'silence', atMinute: 480, minutes: 40 },
            },
          ],
        },
      ],
    },
    {
      name: 'Alpine Dairy',
      contactEmail: 'quality@alpinedairy.example',
      user: 'customer2@outpost.dev',
      locations: [
        {
          name: 'Zurich Creamery',
          address: 'Seestrasse 10, 8002 Zürich',
          cells: [
            // A door left open during a delivery at 14:00 UTC, closed by the technician.
            {
              name: 'Milk Chiller',
              minTemp: 0,
              maxTemp: 4,
              serial: 'CC-1004',
              firmware: '2.3.1',
              humidity: 88,
              battery: 81,
              pendingReadings: 2,
              incident: {
                kind: 'heat',
                atMinute: 840,
                minutes: 30,
                peak: 7.2,
                door: true,
                note: 'Door left open during a delivery; closed it and checked the product temperature.',
              },
            },
          ],
        },
      ],
    },
  ],
}

/** FNV-1a of (serial, time) mapped to [0, 1): the same noise on every run. */
function noise(serial: string, t: number) {
  let h = 2166136261
  for (const ch of `${serial}:${t}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619)
  return (h >>> 0) / 2 ** 32
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits

/** Where in today's (UTC) incident window `t` falls, as a fraction; null outside it. */
function incidentProgress(incident: Incident | undefined, t: number) {
  if (!incident) return null
  const minute = (t % DAY_MS) / 60_000 - incident.atMinute
  return minute >= 0 && minute < incident.minutes ? (minute + 2.5) / incident.minutes : null
}

/** One reading every 5 min over the 24 h before `now`, inside the range but for the cell's incident. */
export function readingsFor(cell: DemoCell, now: number) {
  const end = Math.floor(now / SLOT_MS) * SLOT_MS
  const mid = (cell.minTemp + cell.maxTemp) / 2
  const half = (cell.maxTemp - cell.minTemp) / 2
  const rows = []
  for (let t = end - DAY_MS + SLOT_MS; t <= end; t += SLOT_MS) {
    const p = incidentProgress(cell.incident, t)
    if (p !== null && cell.incident!.kind === 'silence') continue
    // A 90-minute compressor cycle plus sensor noise stays within ±45 % of the half-range.
    let temperature =
      mid + half * 0.3 * Math.sin((2 * Math.PI * t) / (90 * 60_000)) + half * 0.3 * (noise(cell.serial, t) - 0.5)
    if (p !== null)
      temperature = cell.maxTemp + 0.5 + (cell.incident!.peak! - cell.maxTemp - 0.5) * Math.sin(Math.PI * p)
    rows.push({
      recordedAt: new Date(t),
      temperature: round(temperature),
      humidity: round(cell.humidity + 6 * (noise(`${cell.serial}h`, t) - 0.5), 1),
      powerStatus: true,
      doorStatus: p !== null && cell.incident!.door === true,
      batteryLevel: cell.battery,
    })
  }
  return rows
}

const where = (cell: DemoCell) => `${cell.name} (${cell.serial})`

/** The resolved alert of the cell's latest finished incident, worded like the alert engine's. */
export function resolvedAlertsFor(cell: DemoCell, now: number, ids: { technicianId: string }) {
  const incident = cell.incident
  if (!incident) return []
  const end = Math.floor(now / SLOT_MS) * SLOT_MS
  let start = Math.floor(end / DAY_MS) * DAY_MS + incident.atMinute * 60_000
  if (start + incident.minutes * 60_000 > end) start -= DAY_MS
  const over = new Date(start + incident.minutes * 60_000)
  // The incident's own readings, wherever it falls: the 24 h before `now` may have cut yesterday's.
  const slots = readingsFor(cell, over.getTime()).filter((r) => r.recordedAt.getTime() >= start && r.recordedAt < over)
  const peak = Math.max(...slots.map((r) => r.temperature))
  const type: AlertType = incident.kind === 'heat' ? 'HIGH_TEMP' : 'SENSOR_ERROR'
  // An offline alert opens once the device has been silent for the 15-minute threshold.
  const first = new Date(
    incident.kind === 'heat' ? start + ((cell.pendingReadings ?? 1) - 1) * SLOT_MS : start + 15 * 60_000,
  )
  return [
    {
      type,
      severity: incident.kind === 'heat' ? ('CRITICAL' as const) : ('WARNING' as const),
      status: 'RESOLVED' as const,
      message:
        incident.kind === 'heat'
          ? `Temperature ${peak} °C above the maximum ${cell.maxTemp} °C in ${where(cell)}`
          : `No readings from ${where(cell)}: the device is offline`,
      value: incident.kind === 'heat' ? peak : null,
      triggerCount: incident.kind === 'heat' ? slots.length - ((cell.pendingReadings ?? 1) - 1) : 1,
      firstTriggeredAt: first,
      lastTriggeredAt: incident.kind === 'heat' ? slots.at(-1)!.recordedAt : first,
      resolvedAt: over,
      resolvedBy: incident.note ? ids.technicianId : null,
      resolutionNote: incident.note ?? null,
      autoResolved: !incident.note,
    },
  ]
}
