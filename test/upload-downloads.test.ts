import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/env'
import { signedPath } from '../src/features/uploads/serve'
import { call, data, expectError, seedUser } from './helpers'
import { fetchRaw, leftovers, pdf, png, upload } from './upload-helpers'

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

// An 800×600 PNG (sharp-made, palette), small enough to inline: the Images binding must decode it.
const PICTURE = Uint8Array.from(
  atob(
    'iVBORw0KGgoAAAANSUhEUgAAAyAAAAJYCAMAAACtqHJCAAAAA1BMVEXIHjzD6Ll6AAAACXBIWXMAAAPoAAAD6AG1e1JrAAAB6ElEQVR42u3BAQ0AAADCoPdPbQ8HFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAPwYVcEAAU0jFZQAAAAASUVORK5CYII=',
  ),
  (ch) => ch.charCodeAt(0),
)

/** Width and height from a WebP's VP8/VP8L/VP8X header. */
function webpSize(b: Uint8Array) {
  const fourcc = String.fromCharCode(...b.slice(12, 16))
  if (fourcc === 'VP8X')
    return { w: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), h: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16)) }
  if (fourcc === 'VP8L') {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)
    return { w: (bits & 0x3fff) + 1, h: ((bits >> 14) & 0x3fff) + 1 }
  }
  return { w: (b[26]! | (b[27]! << 8)) & 0x3fff, h: (b[28]! | (b[29]! << 8)) & 0x3fff }
}

describe('thumbnails', () => {
  it('makes a WebP no larger than the size asked, keeps it in R2, and serves it again from there', async () => {
    const owner = await seedUser()
    const row = data(await upload(owner.token, [{ bytes: PICTURE, name: 'wide.png' }]))
    for (const [size, w, h] of [
      [100, 100, 75],
      [300, 300, 225],
      [600, 600, 450],
    ] as const) {
      const res = await fetchRaw(`/api/v1/uploads/${row.id}?size=${size}`, { token: owner.token })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/webp')
      const bytes = new Uint8Array(await res.arrayBuffer())
      expect(String.fromCharCode(...bytes.slice(8, 12))).toBe('WEBP')
      expect(webpSize(bytes)).toEqual({ w, h })
    }
    const kept = await env.UPLOADS.list({ prefix: `uploads/${owner.user.id}/` })
    expect(kept.objects.length).toBe(4)
    const again = await fetchRaw(`/api/v1/uploads/${row.id}?size=100`, { token: owner.token })
    expect(again.headers.get('etag')).toBeTruthy()

    // A signed URL carries the size; deleting the upload removes its thumbnails too.
    const url = data(await call<{ url: string }>('GET', `/uploads/${row.id}/url?size=300`, owner.token)).url
    const viaLink = await fetchRaw(new URL(url).pathname + new URL(url).search, {})
    expect(viaLink.headers.get('content-type')).toBe('image/webp')
    expect((await call('DELETE', `/uploads/${row.id}`, owner.token)).status).toBe(204)
    expect(await leftovers(owner.user.id)).toEqual({ objects: 0, rows: 0 })
  })

  it('refuses sizes it does not make and files that are not images, and hides foreign files', async () => {
    const owner = await seedUser()
    const row = data(await upload(owner.token, [{ bytes: PICTURE, name: 'wide.png' }]))
    expectError(await call('GET', `/uploads/${row.id}?size=50`, owner.token), 422, 'VALIDATION_ERROR')
    const doc = data(await upload(owner.token, [{ bytes: pdf(), name: 'a.pdf', type: 'application/pdf' }]))
    expectError(await call('GET', `/uploads/${doc.id}?size=100`, owner.token), 422, 'VALIDATION_ERROR')
    const broken = data(await upload(owner.token, [{ bytes: png(2000), name: 'only-the-magic.png' }]))
    expectError(await call('GET', `/uploads/${broken.id}?size=100`, owner.token), 422, 'VALIDATION_ERROR')
    const stranger = await seedUser()
    expectError(await call('GET', `/uploads/${row.id}?size=100`, stranger.token), 404, 'NOT_FOUND')
  })
})
