import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/env'
import { signedPath } from '../src/features/uploads/serve'
import { call, data, expectError, seedUser } from './helpers'
import { fetchRaw, leftovers, png, upload } from './upload-helpers'

async function stored(size = 1000) {
  const owner = await seedUser()
  const bytes = png(size)
  const row = data(await upload(owner.token, [{ bytes, name: 'report card.png' }]))
  return { owner, bytes, row }
}

describe('GET /uploads/:id', () => {
  it('streams the file with its type, length, ETag and Content-Disposition', async () => {
    const { owner, bytes, row } = await stored()
    const res = await fetchRaw(`/api/v1/uploads/${row.id}`, { token: owner.token })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('content-length')).toBe('1000')
    expect(res.headers.get('etag')).toMatch(/^".+"$/)
    expect(res.headers.get('accept-ranges')).toBe('bytes')
    expect(res.headers.get('content-disposition')).toBe(
      `inline; filename="report card.png"; filename*=UTF-8''report%20card.png`,
    )
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
  })

  it('answers a byte range with 206 and Content-Range, a suffix range too', async () => {
    const { owner, bytes, row } = await stored()
    const first = await fetchRaw(`/api/v1/uploads/${row.id}`, { token: owner.token, headers: { range: 'bytes=10-19' } })
    expect(first.status).toBe(206)
    expect(first.headers.get('content-range')).toBe('bytes 10-19/1000')
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(bytes.slice(10, 20))
    const tail = await fetchRaw(`/api/v1/uploads/${row.id}`, { token: owner.token, headers: { range: 'bytes=-5' } })
    expect(tail.status).toBe(206)
    expect(tail.headers.get('content-range')).toBe('bytes 995-999/1000')
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.slice(995))
  })

  it('answers 304 to If-None-Match with the current ETag', async () => {
    const { owner, row } = await stored()
    const etag = (await fetchRaw(`/api/v1/uploads/${row.id}`, { token: owner.token })).headers.get('etag')!
    const again = await fetchRaw(`/api/v1/uploads/${row.id}`, {
      token: owner.token,
      headers: { 'if-none-match': etag },
    })
    expect(again.status).toBe(304)
  })
})

describe('upload access', () => {
  it('lets the owner and an admin read; another user gets 404 on every route, anonymous 401', async () => {
    const { owner, row } = await stored()
    const other = await seedUser()
    const admin = await seedUser({ roles: ['admin'] })
    const read = (token?: string) => fetchRaw(`/api/v1/uploads/${row.id}`, { token })
    expect((await read(owner.token)).status).toBe(200)
    expect((await read(admin.token)).status).toBe(200)
    expect((await read(other.token)).status).toBe(404)
    expect((await read()).status).toBe(401)
    expectError(await call('GET', `/uploads/${row.id}/url`, other.token), 404, 'NOT_FOUND')
    expectError(await call('DELETE', `/uploads/${row.id}`, other.token), 404, 'NOT_FOUND')
    expect(await leftovers(owner.user.id)).toEqual({ objects: 1, rows: 1 })
  })

  it('deletes the object and the row for the owner; then the file is 404', async () => {
    const { owner, row } = await stored()
    expect((await call('DELETE', `/uploads/${row.id}`, owner.token)).status).toBe(204)
    expect(await leftovers(owner.user.id)).toEqual({ objects: 0, rows: 0 })
    expect((await fetchRaw(`/api/v1/uploads/${row.id}`, { token: owner.token })).status).toBe(404)
  })

  it('lets an admin delete anyone’s file', async () => {
    const { owner, row } = await stored()
    const admin = await seedUser({ roles: ['admin'] })
    expect((await call('DELETE', `/uploads/${row.id}`, admin.token)).status).toBe(204)
    expect(await leftovers(owner.user.id)).toEqual({ objects: 0, rows: 0 })
  })
})

describe('signed URLs', () => {
  it('gives a URL that serves the file without a bearer token, ranges included', async () => {
    const { owner, bytes, row } = await stored()
    const { url, expiresAt } = data(
      await call<{ url: string; expiresAt: string }>('GET', `/uploads/${row.id}/url`, owner.token),
    )
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now())
    const res = await fetchRaw(url)
    expect(res.status).toBe(200)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
    expect((await fetchRaw(url, { headers: { range: 'bytes=0-7' } })).status).toBe(206)
  })

  it('refuses a tampered signature, expiry or id with 403', async () => {
    const { owner, row } = await stored()
    const other = await stored()
    const { url } = data(await call<{ url: string }>('GET', `/uploads/${row.id}/url`, owner.token))
    const u = new URL(url)
    const sig = u.searchParams.get('sig')!
    const tamper = (edit: (p: URL) => void) => {
      const copy = new URL(u)
      edit(copy)
      return fetchRaw(copy.toString())
    }
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`
    expect((await tamper((p) => p.searchParams.set('sig', flipped))).status).toBe(403)
    expect(
      (await tamper((p) => p.searchParams.set('expires', String(Number(p.searchParams.get('expires')) + 3600)))).status,
    ).toBe(403)
    expect((await tamper((p) => (p.pathname = p.pathname.replace(row.id, other.row.id)))).status).toBe(403)
    expect((await tamper((p) => p.searchParams.delete('sig'))).status).toBe(422)
  })

  it('refuses an expired URL with 403', async () => {
    const { row } = await stored()
    const config = loadConfig(env)
    const { path } = await signedPath(config, row.id, Date.now() - (config.UPLOAD_URL_TTL_SECONDS + 1) * 1000)
    const res = await fetchRaw(path)
    expect(res.status).toBe(403)
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/expired/)
  })
})
