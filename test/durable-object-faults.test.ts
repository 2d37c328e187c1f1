/**
 * Durable Object faults (issue 17, part 3) and the hub's heartbeat (part 5): an alarm that throws is retried by the
 * runtime and the device still goes offline; objects evicted mid-stream resume from their storage; a ping is
 * answered by the runtime's auto-response, not by waking the hub; a hub whose storage write fails keeps what it
 * acknowledged.
 */
import { env } from 'cloudflare:workers'
import { abortAllDurableObjects, evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { eq, sql } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { alerts, devices } from '../src/db/schema'
import { hubFor } from '../src/features/realtime/hub.service'
import type { ChannelHub } from '../src/objects/channel-hub'
import type { DeviceMonitor } from '../src/objects/device-monitor'
import { data, expectError, seedUser, withDb } from './helpers'
import { post, reading, seedDevice } from './coldchain-fixtures'
import { openSocket, uniqueChannel } from './realtime-clients'

const monitorOf = (serial: string) => env.DEVICE_MONITOR.get(env.DEVICE_MONITOR.idFromName(serial))
const statusOf = async (deviceId: string) =>
  (await withDb((db) => db.select().from(devices).where(eq(devices.id, deviceId))))[0]!.status
const until = async (check: () => Promise<boolean>, what: string, ms = 20_000) => {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('DeviceMonitor faults', () => {
  it('retries an alarm that threw (Postgres down at the time), and the device still goes OFFLINE', async () => {
    const d = await seedDevice()
    data(await post(d.serialNumber, d.key, reading(2)))
    const stub = monitorOf(d.serialNumber)
    const silentSince = Date.now() - 16 * 60_000
    await withDb((db) =>
      db
        .update(devices)
        .set({ lastSeenAt: new Date(silentSince) })
        .where(eq(devices.id, d.device.id)),
    )
    let calls = 0
    await runInDurableObject(stub, async (monitor: DeviceMonitor, state) => {
      const s = await state.storage.get<object>('state')
      await state.storage.put('state', { ...s, lastSeenAt: silentSince })
      // The first Postgres call of the alarm fails, as a dropped connection would; the runtime retries the alarm.
      const real = (monitor as unknown as { withDb: (fn: unknown) => Promise<unknown> }).withDb.bind(monitor)
      vi.spyOn(monitor as unknown as { withDb: (fn: unknown) => Promise<unknown> }, 'withDb').mockImplementation(
        (fn) => (calls++ === 0 ? Promise.reject(new Error('connection terminated unexpectedly')) : real(fn)),
      )
      await state.storage.setAlarm(Date.now())
    })
    const opened = () => withDb((db) => db.select().from(alerts).where(eq(alerts.deviceId, d.device.id)))
    // The device goes OFFLINE, then its alert opens: the retry's second statement.
    await until(async () => (await opened()).length > 0, 'the SENSOR_ERROR alert')
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(await statusOf(d.device.id)).toBe('OFFLINE')
    expect(await opened()).toMatchObject([{ type: 'SENSOR_ERROR', status: 'ACTIVE' }])
  })

  it("stores nothing when a batch's alert write fails, so the device's retry stores it and opens the alert", async () => {
    const d = await seedDevice()
    const rowsOf = async () => {
      const { rows } = await withDb((db) =>
        db.execute<{ readings: number; alerts: number }>(sql`
          select (select count(*)::int from readings where device_id = ${d.device.id}) as readings,
            (select count(*)::int from alerts where device_id = ${d.device.id}) as alerts`),
      )
      return rows[0]
    }
    // The alert's insert, the batch's second statement, times out inside Postgres.
    await withDb(async (db) => {
      await db.execute(
        sql.raw(`create function fail_alert() returns trigger language plpgsql as $$ begin
          if new.device_id = '${d.device.id}' then
            raise exception 'canceling statement due to statement timeout' using errcode = '57014';
          end if;
          return new;
        end $$`),
      )
      await db.execute(
        sql.raw('create trigger fail_alert before insert on alerts for each row execute function fail_alert()'),
      )
    })
    const hot = reading(9)
    try {
      expectError(await post(d.serialNumber, d.key, { readings: [hot] }), 503, 'DEPENDENCY_DOWN')
      expect(await rowsOf()).toEqual({ readings: 0, alerts: 0 })
    } finally {
      await withDb(async (db) => {
        await db.execute(sql.raw('drop trigger fail_alert on alerts'))
        await db.execute(sql.raw('drop function fail_alert()'))
      })
    }
    // The device sends the same batch again.
    expect(data(await post(d.serialNumber, d.key, { readings: [hot] }))).toMatchObject({
      stored: 1,
      alerts: [{ kind: 'triggered', type: 'HIGH_TEMP' }],
    })
    expect(await rowsOf()).toEqual({ readings: 1, alerts: 1 })
  })

  it('resumes a pending streak from storage after the object is torn down between readings', async () => {
    const d = await seedDevice({ pendingReadings: 3 })
    expect(data(await post(d.serialNumber, d.key, reading(9))).alerts).toEqual([])
    expect(data(await post(d.serialNumber, d.key, reading(9))).alerts).toEqual([])
    // Torn down as on a crash or an eviction (evictDurableObject waits for the idle pool timer, so it cannot).
    await abortAllDurableObjects()
    expect(data(await post(d.serialNumber, d.key, reading(9))).alerts).toMatchObject([
      { kind: 'triggered', type: 'HIGH_TEMP' },
    ])
    await abortAllDurableObjects()
    expect(data(await post(d.serialNumber, d.key, reading(9))).alerts).toMatchObject([{ kind: 'updated' }])
  })
})

describe('ChannelHub faults and heartbeats', () => {
  it('keeps a socket and its event ids across an eviction mid-stream (hibernation)', async () => {
    const { token } = await seedUser()
    const ch = uniqueChannel('evict')
    const ws = await openSocket(ch, { token })
    await ws.next('presence')
    const hub = hubFor(env.CHANNEL_HUB, ch)
    await hub.publish('before', { n: 1 })
    await hub.publish('before', { n: 2 })
    await evictDurableObject(hub)
    await hub.publish('after', { n: 3 })
    const ids = [await ws.next('message'), await ws.next('message'), await ws.next('message')].map((f) => [
      f.data.id,
      f.data.event,
    ])
    expect(ids).toEqual([
      [1, 'before'],
      [2, 'before'],
      [3, 'after'],
    ])
    const kept = await runInDurableObject(hub, async (h: ChannelHub) => (await h.replay(0)).messages.map((m) => m.id))
    expect(kept).toEqual([1, 2, 3])
    ws.ws.close()
  })

  it('keeps the events it acknowledged when a storage write fails, and publishes again after it', async () => {
    const { token } = await seedUser()
    const ch = uniqueChannel('storage-fault')
    const ws = await openSocket(ch, { token })
    await ws.next('presence')
    const hub = hubFor(env.CHANNEL_HUB, ch)
    const acked = [await hub.publish('kept', { n: 1 }), await hub.publish('kept', { n: 2 })].map((r) => r.id)
    // The next commit fails: the runtime could not make the write durable.
    await runInDurableObject(hub, (_h, state) => {
      const sync = state.storage.sync.bind(state.storage)
      let failures = 1
      state.storage.sync = async () => {
        if (failures-- > 0) throw new Error('injected: storage write failed')
        return sync()
      }
    })
    // Called on the instance: an RPC rejection would also be reported as unhandled in this shared isolate.
    await runInDurableObject(hub, async (h: ChannelHub) => {
      await expect(h.publish('unacked', { n: 3 })).rejects.toThrow(/injected: storage write failed/)
    })
    const after = await hub.publish('after', { n: 4 })
    expect(after.id).toBeGreaterThan(acked[1]!)
    const kept = await runInDurableObject(hub, async (h: ChannelHub) => (await h.replay(0)).messages)
    // Every acknowledged event is still there, in order, for a client that reconnects from 0.
    expect(kept.filter((m) => m.event !== 'unacked').map((m) => [m.id, m.event])).toEqual([
      [acked[0], 'kept'],
      [acked[1], 'kept'],
      [after.id, 'after'],
    ])
    const seen = [await ws.next('message'), await ws.next('message')].map((f) => f.data.id)
    expect(seen).toEqual(acked)
    ws.ws.close()
  })

  it('answers a ping with the auto-response, without calling webSocketMessage', async () => {
    const { token } = await seedUser()
    const ch = uniqueChannel('heartbeat')
    const ws = await openSocket(ch, { token })
    await ws.next('presence')
    const hub = hubFor(env.CHANNEL_HUB, ch)
    let spy: { mock: { calls: unknown[] } } = { mock: { calls: [] } }
    await runInDurableObject(hub, (instance: ChannelHub) => {
      spy = vi.spyOn(instance as { webSocketMessage: (...a: unknown[]) => Promise<void> }, 'webSocketMessage')
    })
    ws.ws.send('{"event":"ping"}')
    expect((await ws.next('pong')).data).toBeUndefined()
    ws.ws.send('{"event":"ping"}')
    await ws.next('pong')
    expect(spy.mock.calls).toHaveLength(0)
    const answered = await runInDurableObject(hub, (_h, state) =>
      state.getWebSockets().map((s) => state.getWebSocketAutoResponseTimestamp(s)),
    )
    expect(answered).toEqual([expect.any(Date)])
    // Any other frame does reach the hub.
    ws.send({ event: 'typing' })
    await vi.waitFor(() => expect(spy.mock.calls).toHaveLength(1))
    ws.ws.close()
  })
})
