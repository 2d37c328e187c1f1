import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

describe('DeviceMonitor', () => {
  it('keeps the newest reading even when an older one arrives late', async () => {
    const device = env.DEVICE_MONITOR.get(env.DEVICE_MONITOR.idFromName('SN-1'))
    await device.recordReading({ timestamp: '2026-01-01T10:00:00Z', temperature: 4 })
    await device.recordReading({ timestamp: '2026-01-01T09:00:00Z', temperature: 9 })
    expect(await device.lastReading()).toEqual({ timestamp: '2026-01-01T10:00:00Z', temperature: 4 })
  })
})
