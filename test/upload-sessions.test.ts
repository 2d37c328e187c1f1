import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { uploadSessions } from '../src/db/schema'
import { loadConfig } from '../src/env'
import { app } from '../src/app'
import { abortStaleSessions } from '../src/features/uploads/sessions.service'
import { call, data, expectError, seedUser, withDb } from './helpers'
import { brokenBody, fetchRaw, leftovers, pdf, png, sha256, type UploadOut } from './upload-helpers'

const PART = 5 * 1024 * 1024
type Session = { id: string; partSize: number; parts: { partNumber: number; size: number }[] }

const open = (token: string, body: Record<string, unknown> = {}) =>
  call<Session>('POST', '/uploads/sessions', token, { filename: 'big scan.png', contentType: 'image/png', ...body })

const sendPart = (token: string, id: string, n: number, bytes: Uint8Array) =>
  fetchRaw(`/api/v1/uploads/sessions/${id}/parts/${n}`, {
    token,
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    body: bytes,
  })

describe('upload sessions (R2 multipart)', () => {
  it('resumes after a dropped part: lists what it has, refuses to complete with a gap, then completes', async () => {
    const { token, user } = await seedUser()
    const file = png(PART + 1000)
    const session = data(await open(token))
    expect(session.partSize).toBe(PART)
    // Part 2 arrives; part 1's connection dropped.
    expect((await sendPart(token, session.id, 2, file.slice(PART))).status).toBe(200)
    const resumed = data(await call<Session>('GET', `/uploads/sessions/${session.id}`, token))
    expect(resumed.parts.map((p) => p.partNumber)).toEqual([2])
    const gap = expectError(
      await call('POST', `/uploads/sessions/${session.id}/complete`, token),
      422,
      'VALIDATION_ERROR',
    )
    expect(gap.details?.parts).toBe('missing 1')
    // The client sends what the session lacks, and completes.
    expect((await sendPart(token, session.id, 1, file.slice(0, PART))).status).toBe(200)
    const done = await call<UploadOut>('POST', `/uploads/sessions/${session.id}/complete`, token)
    expect(done.status).toBe(201)
    expect(data(done)).toMatchObject({ size: file.length, contentType: 'image/png', sha256: await sha256(file) })
    const got = await fetchRaw(`/api/v1/uploads/${data(done).id}`, {
      token,
      headers: { range: `bytes=${PART - 2}-${PART + 1}` },
    })
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(file.slice(PART - 2, PART + 2))
    expect(await leftovers(user.id)).toEqual({ objects: 1, rows: 1 })
    expectError(await call('GET', `/uploads/sessions/${session.id}`, token), 404, 'NOT_FOUND')
  })

  it('refuses a completed file whose bytes are not its declared type with 415, keeping nothing', async () => {
    const { token, user } = await seedUser()
    const session = data(await open(token, { filename: 'doc.pdf', contentType: 'application/pdf' }))
    await sendPart(token, session.id, 1, png(2000))
    expectError(await call('POST', `/uploads/sessions/${session.id}/complete`, token), 415, 'UNSUPPORTED_MEDIA_TYPE')
    expect(await leftovers(user.id)).toEqual({ objects: 0, rows: 0 })
    // A real PDF goes through.
    const ok = data(await open(token, { filename: 'doc.pdf', contentType: 'application/pdf' }))
    await sendPart(token, ok.id, 1, pdf())
    expect((await call('POST', `/uploads/sessions/${ok.id}/complete`, token)).status).toBe(201)
  })

  it('refuses a declared type outside the allow-list with 415 before opening anything', async () => {
    const { token } = await seedUser()
    expectError(await open(token, { contentType: 'application/x-msdownload' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it('keeps the ordinary body limit on the JSON routes (413 for a huge session request)', async () => {
    const { token } = await seedUser()
    expectError(await open(token, { filename: 'x'.repeat(2 * 1024 * 1024) }), 413, 'PAYLOAD_TOO_LARGE')
  })

  it('aborts a session; it is then gone', async () => {
    const { token, user } = await seedUser()
    const session = data(await open(token))
    await sendPart(token, session.id, 1, png(100))
    expect((await call('DELETE', `/uploads/sessions/${session.id}`, token)).status).toBe(204)
    expectError(await call('GET', `/uploads/sessions/${session.id}`, token), 404, 'NOT_FOUND')
    expect(await leftovers(user.id)).toEqual({ objects: 0, rows: 0 })
  })

  it("hides another user's session (404 on every route)", async () => {
    const { token } = await seedUser()
    const other = await seedUser()
    const session = data(await open(token))
    expectError(await call('GET', `/uploads/sessions/${session.id}`, other.token), 404, 'NOT_FOUND')
    expect((await sendPart(other.token, session.id, 1, png(100))).status).toBe(404)
    expectError(await call('POST', `/uploads/sessions/${session.id}/complete`, other.token), 404, 'NOT_FOUND')
    expectError(await call('DELETE', `/uploads/sessions/${session.id}`, other.token), 404, 'NOT_FOUND')
  })

  it('the system job aborts sessions older than 24 h and keeps younger ones', async () => {
    const { token } = await seedUser()
    const old = data(await open(token))
    const young = data(await open(token))
    await sendPart(token, old.id, 1, png(100))
    const now = new Date()
    await withDb((db) =>
      db
        .update(uploadSessions)
        .set({ createdAt: new Date(now.getTime() - 25 * 3600_000) })
        .where(eq(uploadSessions.id, old.id)),
    )
    const aborted = await withDb((db) => abortStaleSessions(db, loadConfig(env), now))
    expect(aborted).toBeGreaterThanOrEqual(1)
    expectError(await call('GET', `/uploads/sessions/${old.id}`, token), 404, 'NOT_FOUND')
    expect((await call('GET', `/uploads/sessions/${young.id}`, token)).status).toBe(200)
  })

  it('refuses a part whose body breaks off or falls short of its Content-Length with 400, and takes it again', async () => {
    const { token } = await seedUser()
    const session = data(await open(token))
    const bytes = png(PART)
    for (const ending of ['connection reset', 'body cut short'] as const) {
      // Half the declared bytes, then the end.
      const body = brokenBody([bytes.subarray(0, PART / 2)], ending)
      const cut = await app.request(
        `/api/v1/uploads/sessions/${session.id}/parts/1`,
        {
          method: 'PUT',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/octet-stream',
            'content-length': String(PART),
          },
          body,
        },
        env,
      )
      expect({ ending, status: cut.status }).toEqual({ ending, status: 400 })
      expect(data(await call<Session>('GET', `/uploads/sessions/${session.id}`, token)).parts).toEqual([])
    }
    expect((await sendPart(token, session.id, 1, bytes)).status).toBe(200)
    expect(data(await call<Session>('GET', `/uploads/sessions/${session.id}`, token)).parts).toMatchObject([
      { partNumber: 1, size: PART },
    ])
  })
})
