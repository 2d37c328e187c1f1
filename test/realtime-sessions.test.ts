import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { passwordResets, sessions } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { startSession } from '../src/features/auth/sessions.service'
import { hubFor } from '../src/features/realtime/hub.service'
import { sha256Hex } from '../src/lib/crypto'
import { signAccessToken } from '../src/lib/tokens'
import { call, data, seedUser, withDb } from './helpers'
import {
  expectSocketClosed,
  expectSocketOpen,
  expectStreamClosed,
  openSocket,
  openSse,
  publishAfter,
  uniqueChannel,
  openGreeted,
} from './realtime-clients'

// Every trigger that ends a session closes what that session holds before its request answers:
// the `after` event, published once it has answered, never reaches the old connections.

type Seeded = Awaited<ReturnType<typeof seedUser>>

/** The same user signed in a second time (another device). */
const secondSession = (u: Seeded) =>
  withDb(async (db) => {
    const s = await startSession(db, u.user.id, {})
    return { ...s, token: await signAccessToken(loadConfig(env), { sub: u.user.id, sid: s.sessionId }) }
  })

/** A session's connections: sockets on a public channel and the user's own, and an SSE stream over both. */
async function connect(token: string, userId: string, pub = uniqueChannel('live')) {
  const channels = [pub, `user:${userId}`]
  const sockets = await openGreeted(token, ...channels)
  const stream = await openSse(`/api/v1/sse/auth/connect?channels=${pub}`, { authorization: `Bearer ${token}` })
  expect((await stream.next()).event).toBe('connected')
  return { sockets, stream, channels }
}
type Live = Awaited<ReturnType<typeof connect>>

/** Every socket and the stream closed with 4001 and `reason`, none of them having seen `after`. */
async function expectEnded(live: Live, reason: string) {
  for (const s of live.sockets) expect(await expectSocketClosed(s, 4001)).toBe(reason)
  expect(await expectStreamClosed(live.stream, 4001)).toMatchObject({ reason })
}

/** Every socket and the stream still open, each having received `after`. */
async function expectKept(live: Live) {
  for (const s of live.sockets) await expectSocketOpen(s)
  expect((await live.stream.next()).event).toBe('after')
}

describe('ending a session closes its live connections', () => {
  it('closes the logged-out session (4001) and leaves the same user on another device connected', async () => {
    const u = await seedUser()
    const other = await secondSession(u)
    const ended = await connect(u.token, u.user.id)
    const kept = await connect(other.token, u.user.id, ended.channels[0])
    expect((await call('POST', '/auth/logout', undefined, { refreshToken: u.refreshToken })).status).toBe(204)
    await publishAfter(...ended.channels)
    await expectEnded(ended, 'session ended: logged out')
    await expectKept(kept)
  })

  it('closes every session of a user who reset the password', async () => {
    const u = await seedUser()
    const other = await secondSession(u)
    const [a, b] = [await connect(u.token, u.user.id), await connect(other.token, u.user.id)]
    const token = 'a-reset-token-for-the-realtime-test-0000000'
    await withDb(async (db) =>
      db.insert(passwordResets).values({
        userId: u.user.id,
        tokenHash: await sha256Hex(token),
        expiresAt: new Date(Date.now() + 600_000),
      }),
    )
    const reset = await call('POST', '/auth/reset-password', undefined, { token, password: 'a brand new password' })
    expect(reset.status).toBe(200)
    await publishAfter(...a.channels, ...b.channels)
    await expectEnded(a, 'session ended: password reset')
    await expectEnded(b, 'session ended: password reset')
  })

  it("closes the other sessions of a user who changed the password, and keeps the caller's", async () => {
    const u = await seedUser()
    const other = await secondSession(u)
    const kept = await connect(u.token, u.user.id)
    const ended = await connect(other.token, u.user.id, kept.channels[0])
    const body = { currentPassword: u.password, newPassword: 'another fine password' }
    expect((await call('PUT', '/auth/change-password', u.token, body)).status).toBe(200)
    await publishAfter(...kept.channels)
    await expectEnded(ended, 'session ended: password changed')
    await expectKept(kept)
  })

  it('closes the session whose refresh token was reused', async () => {
    const u = await seedUser()
    const live = await connect(u.token, u.user.id)
    const refresh = (refreshToken: string) =>
      call<{ refreshToken: string }>('POST', '/auth/refresh', undefined, { refreshToken })
    const next = data(await refresh(u.refreshToken))
    data(await refresh(next.refreshToken))
    expect((await refresh(u.refreshToken)).status).toBe(401)
    await publishAfter(...live.channels)
    await expectEnded(live, 'session ended: refresh token reused')
  })
})

describe('access-token expiry and the auth frame', () => {
  /** Moves every connection's expiry on `channel` back by `ms`: the hub's clock as if that much later. */
  const later = (channel: string, ms: number) =>
    runInDurableObject(hubFor(env.CHANNEL_HUB, channel), (_hub, state) => {
      state.storage.sql.exec(`UPDATE members SET expires_at = expires_at - ?`, ms)
    })

  it('closes a socket and a stream whose token expired (4002) before the next event, or at the alarm', async () => {
    const u = await seedUser()
    const live = await connect(u.token, u.user.id)
    const [pub, own] = live.channels as [string, string]
    await later(pub, 3_600_000)
    await publishAfter(pub)
    expect(await expectSocketClosed(live.sockets[0]!, 4002)).toBe('access token expired')
    expect(await expectStreamClosed(live.stream, 4002)).toMatchObject({ channel: pub })
    // Nothing published on the user's channel: its alarm closes the socket there.
    await later(own, 3_600_000)
    const stub = hubFor(env.CHANNEL_HUB, own)
    await runInDurableObject(stub, (_hub, state) => state.storage.setAlarm(Date.now()))
    await runDurableObjectAlarm(stub)
    await expectSocketClosed(live.sockets[1]!, 4002)
  })

  it('keeps a socket that sent a fresh token of its session past the token it opened with', async () => {
    const u = await seedUser()
    const config = loadConfig(env)
    const short = await signAccessToken(
      { ...config, ACCESS_TOKEN_TTL_SECONDS: 60 },
      { sub: u.user.id, sid: u.sessionId },
    )
    const ch = uniqueChannel('renew')
    const [renewed, plain] = [await openSocket(ch, { token: short }), await openSocket(ch, { token: short })]
    await renewed.next('presence')
    renewed.send({ event: 'auth', data: { token: u.token } })
    const { expiresAt } = (await renewed.next('authenticated')).data
    expect(Date.parse(String(expiresAt))).toBeGreaterThan(Date.now() + 600_000)
    await later(ch, 61_000)
    await publishAfter(ch)
    await expectSocketClosed(plain, 4002)
    await expectSocketOpen(renewed)
    renewed.ws.close()
  })

  it("answers an auth frame with another session's token, a bad one, or on an anonymous socket with an error, and stays open", async () => {
    const u = await seedUser()
    const other = await secondSession(u)
    const ch = uniqueChannel('auth-errors')
    const [s, anon] = [await openSocket(ch, { token: u.token }), await openSocket(ch)]
    s.send({ event: 'auth', data: { token: other.token } })
    expect((await s.next('error')).data).toMatchObject({ code: 'INVALID_TOKEN' })
    s.send({ event: 'auth', data: { token: 'not.a.token' } })
    expect((await s.next('error')).data).toMatchObject({ code: 'INVALID_TOKEN' })
    s.send({ event: 'auth', data: {} })
    expect((await s.next('error')).data).toMatchObject({ code: 'INVALID_FRAME' })
    anon.send({ event: 'auth', data: { token: u.token } })
    expect((await anon.next('error')).data).toMatchObject({ code: 'UNAUTHORIZED' })
    await publishAfter(ch)
    await expectSocketOpen(s)
    await expectSocketOpen(anon)
    s.ws.close()
    anon.ws.close()
  })

  it('closes a socket whose session ended unseen (no close reached it) when it next sends a token (4001)', async () => {
    const u = await seedUser()
    const ch = uniqueChannel('unseen')
    const s = await openSocket(ch, { token: u.token })
    await s.next('presence')
    await withDb((db) => db.update(sessions).set({ revokedAt: sql`now()` }).where(eq(sessions.id, u.sessionId)))
    s.send({ event: 'auth', data: { token: u.token } })
    expect(await expectSocketClosed(s, 4001)).toBe('session ended: no longer valid')
  })
})
