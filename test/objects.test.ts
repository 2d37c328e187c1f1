import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'

describe('ChannelHub', () => {
  it('numbers published events per channel and persists the last id', async () => {
    const hub = env.CHANNEL_HUB.get(env.CHANNEL_HUB.idFromName('public:test'))
    expect(await hub.publish('message', { text: 'a' })).toEqual({ id: 1, event: 'message', data: { text: 'a' } })
    expect((await hub.publish('message', { text: 'b' })).id).toBe(2)
    await runInDurableObject(hub, async (_i, state) => expect(await state.storage.get('seq')).toBe(2))
  })
})

describe('DeviceMonitor', () => {
  it('keeps the newest reading even when an older one arrives late', async () => {
    const device = env.DEVICE_MONITOR.get(env.DEVICE_MONITOR.idFromName('SN-1'))
    await device.recordReading({ timestamp: '2026-01-01T10:00:00Z', temperature: 4 })
    await device.recordReading({ timestamp: '2026-01-01T09:00:00Z', temperature: 9 })
    expect(await device.lastReading()).toEqual({ timestamp: '2026-01-01T10:00:00Z', temperature: 4 })
  })
})
