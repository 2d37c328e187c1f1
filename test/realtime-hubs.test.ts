import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { hubFor, presenceOf } from '../src/features/realtime/hub.service'
import { socketGreeting, streamGreeting } from '../src/features/realtime/protocol'
import { GroupCommit } from '../src/objects/hub/group-commit'
import { Members } from '../src/objects/hub/members'
import { ONLINE_RECHECK_MS } from '../src/objects/hub/online-registry'
import { uniqueChannel } from './realtime-clients'

describe('ChannelHub', () => {
  it('learns its channel from the id it was reached by, and keeps it in storage', async () => {
    const ch = uniqueChannel('named')
    const hub = hubFor(env.CHANNEL_HUB, ch)
    await hub.publish('first', null)
    expect(await hub.stats()).toMatchObject({ channel: ch, lastEventId: 1 })
    const stored = await runInDurableObject(hub, (_hub, state) =>
      state.storage.sql.exec(`SELECT v FROM hub_meta WHERE k = 'channel'`).toArray(),
    )
    expect(stored).toEqual([{ v: ch }])
  })
})

describe('Members', () => {
  it('adds the session and expiry columns to a members table from before they existed', async () => {
    const hub = hubFor(env.CHANNEL_HUB, uniqueChannel('old-members'))
    await hub.stats()
    const columns = await runInDurableObject(hub, (_hub, state) => {
      const sql = state.storage.sql
      sql.exec(`DROP TABLE members`)
      sql.exec(
        `CREATE TABLE members (client_id TEXT PRIMARY KEY, user_id TEXT, transport TEXT NOT NULL, connected_at INTEGER NOT NULL)`,
      )
      new Members(sql)
      new Members(sql)
      return sql.exec(`SELECT * FROM members LIMIT 0`).columnNames
    })
    expect(columns).toEqual(['client_id', 'user_id', 'transport', 'connected_at', 'session_id', 'expires_at'])
  })
})

describe('PresenceHub', () => {
  const userId = () => `u-${crypto.randomUUID()}`

  it('counts the connections it is told of, across channels, until they are untracked', async () => {
    const presence = presenceOf(env.PRESENCE_HUB, userId())
    await presence.track('c1', 'public:a')
    await presence.track('c2', 'public:b')
    expect(await presence.presence()).toEqual({ online: true, connections: 2 })
    await presence.untrack(['c1', 'c2'])
    expect(await presence.presence()).toEqual({ online: false, connections: 0 })
  })

  it('drops a connection its channel hub no longer holds once the record is a minute old', async () => {
    const presence = presenceOf(env.PRESENCE_HUB, userId())
    await presence.track('gone', uniqueChannel('stale'))
    expect((await presence.presence()).connections).toBe(1)
    await runInDurableObject(presence, (_hub, state) => {
      state.storage.sql.exec(`UPDATE online SET checked_at = ?`, Date.now() - ONLINE_RECHECK_MS - 1)
    })
    expect(await presence.presence()).toEqual({ online: false, connections: 0 })
  })
})

describe('GroupCommit', () => {
  it('commits a burst once and answers each item in order', async () => {
    let commits = 0
    const applied: number[] = []
    const group = new GroupCommit(
      (n: number) => {
        applied.push(n)
        return n * 10
      },
      async () => {
        commits++
      },
    )
    const first = group.submit(0)
    const burst = [1, 2, 3].map((n) => group.submit(n))
    expect(await Promise.all([first, ...burst])).toEqual([0, 10, 20, 30])
    expect(applied).toEqual([0, 1, 2, 3])
    expect(commits).toBe(2)
  })

  it('rejects only the item whose apply threw, and the whole batch when the commit fails', async () => {
    let failCommit = false
    const group = new GroupCommit(
      (n: number) => {
        if (n < 0) throw new Error('bad item')
        return n
      },
      async () => {
        if (failCommit) throw new Error('commit failed')
      },
    )
    const results = await Promise.allSettled([group.submit(1), group.submit(-1), group.submit(2)])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    failCommit = true
    await expect(group.submit(3)).rejects.toThrow('commit failed')
  })
})

describe('greetings', () => {
  const message = { id: 3, channel: 'public:a', event: 'e', payload: null, from: null, at: '2026-01-01T00:00:00.000Z' }
  const presence = { users: [], anonymous: 1 }

  it('greets a socket with connected, the replay and a presence sync; a reset instead of a lost replay', () => {
    const frames = (catchUp?: Parameters<typeof socketGreeting>[4]) =>
      socketGreeting('public:a', 'c1', 3, presence, catchUp).map((f) => JSON.parse(f).event)
    expect(frames()).toEqual(['connected', 'presence'])
    expect(frames({ reset: false, messages: [message] })).toEqual(['connected', 'message', 'presence'])
    expect(frames({ reset: true, messages: [] })).toEqual(['connected', 'reset', 'presence'])
  })

  it('starts a stream with the replay or a reset, then hello with the position', () => {
    expect(streamGreeting('public:a', 3).map((l) => l.type)).toEqual(['hello'])
    expect(streamGreeting('public:a', 3, { reset: false, messages: [message] }).map((l) => l.type)).toEqual([
      'message',
      'hello',
    ])
    expect(streamGreeting('public:a', 3, { reset: true, messages: [] })).toEqual([
      { type: 'reset', channel: 'public:a', seq: 3 },
      { type: 'hello', channel: 'public:a', seq: 3 },
    ])
  })
})
