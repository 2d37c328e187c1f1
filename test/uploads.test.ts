import { eq } from 'drizzle-orm'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { users } from '../src/db/schema'
import { call, data, expectError, seedUser, withDb } from './helpers'
import { brokenBody, exe, fetchRaw, leftovers, pdf, png, sha256, upload, type UploadOut } from './upload-helpers'

const MiB = 1024 * 1024

describe('POST /uploads', () => {
  it('streams a file to R2 and records owner, type, size, SHA-256 and a sanitised name', async () => {
    const { token, user } = await seedUser()
    const bytes = png(300)
    const res = await upload(token, [{ bytes, name: '../../etc/my "holiday" <pic>.png' }])
    expect(res.status).toBe(201)
    expect(data(res)).toMatchObject({
      ownerId: user.id,
      purpose: 'attachment',
      projectId: null,
      contentType: 'image/png',
      size: 300,
      sha256: await sha256(bytes),
      originalName: 'my holiday pic.png',
    })
    expect(await leftovers(user.id)).toEqual({ objects: 1, rows: 1 })
  })

  it('streams a file larger than one R2 part (6 MiB) through a multipart upload', async () => {
    const { token, user } = await seedUser()
    const bytes = png(6 * MiB)
    const out = data(await upload(token, [{ bytes }]))
    expect(out.size).toBe(6 * MiB)
    expect(out.sha256).toBe(await sha256(bytes))
    const got = new Uint8Array(await (await fetchRaw(`/api/v1/uploads/${out.id}`, { token })).arrayBuffer())
    expect(await sha256(got)).toBe(out.sha256)
    expect(await leftovers(user.id)).toEqual({ objects: 1, rows: 1 })
  })

  it('stores the projectId of a project of yours, refuses unknown fields and a bad projectId, keeping nothing', async () => {
    const { token, user } = await seedUser()
    const projectId = data(await call<{ id: string }>('POST', '/projects', token, { name: 'Files' })).id
    expect(data(await upload(token, [{ bytes: png() }], { fields: { projectId } })).projectId).toBe(projectId)
    const unknown = crypto.randomUUID()
    expectError(await upload(token, [{ bytes: png() }], { fields: { projectId: unknown } }), 404, 'NOT_FOUND')
    expectError(await upload(token, [{ bytes: png() }], { fields: { ownerId: user.id } }), 422, 'VALIDATION_ERROR')
    expectError(await upload(token, [{ bytes: png() }], { fields: { projectId: 'nope' } }), 422, 'VALIDATION_ERROR')
    expect(await leftovers(user.id)).toEqual({ objects: 1, rows: 1 })
  })

  it('refuses a body that is not multipart with 415 and one without a file with 422', async () => {
    const { token } = await seedUser()
    expectError(await call('POST', '/uploads', token, { file: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
    expectError(await upload(token, [], { fields: { purpose: 'attachment' } }), 422, 'VALIDATION_ERROR')
  })

  it('sets the avatar for purpose=avatar, and refuses a PDF avatar with 422, keeping nothing', async () => {
    const { token, user } = await seedUser()
    expectError(
      await upload(token, [{ bytes: pdf(), name: 'cv.pdf', type: 'application/pdf' }], {
        fields: { purpose: 'avatar' },
      }),
      422,
      'VALIDATION_ERROR',
    )
    expect(await leftovers(user.id)).toEqual({ objects: 0, rows: 0 })
    const out = data(await upload(token, [{ bytes: png() }], { fields: { purpose: 'avatar' } }))
    const [row] = await withDb((db) => db.select().from(users).where(eq(users.id, user.id)))
    expect(row?.avatarUrl).toBe(`/api/v1/uploads/${out.id}`)
    expect((await fetchRaw(`/api/v1/uploads/${out.id}`, { token, method: 'DELETE' })).status).toBe(204)
    const [after] = await withDb((db) => db.select().from(users).where(eq(users.id, user.id)))
    expect(after?.avatarUrl).toBeNull()
  })
})

describe('POST /uploads/multiple', () => {
  it('stores up to 10 files at once', async () => {
    const { token, user } = await seedUser()
    const files = Array.from({ length: 10 }, (_, i) => ({ bytes: png(100 + i), name: `p${i}.png` }))
    const res = await upload<UploadOut[]>(token, files, { multiple: true })
    expect(res.status).toBe(201)
    expect(data(res).map((u) => u.size)).toEqual(files.map((f) => f.bytes.length))
    expect(await leftovers(user.id)).toEqual({ objects: 10, rows: 10 })
  })

  it('refuses an 11th file with 422 and keeps none of them', async () => {
    const { token, user } = await seedUser()
    const files = Array.from({ length: 11 }, () => ({ bytes: png() }))
    expectError(await upload(token, files, { multiple: true }), 422, 'VALIDATION_ERROR')
    expect(await leftovers(user.id)).toEqual({ objects: 0, rows: 0 })
  })

  it('keeps none when one file of several is refused', async () => {
    const { token, user } = await seedUser()
    const files = [{ bytes: png() }, { bytes: png() }, { bytes: exe(), name: 'setup.png' }]
    expectError(await upload(token, files, { multiple: true }), 415, 'UNSUPPORTED_MEDIA_TYPE')
    expect(await leftovers(user.id)).toEqual({ objects: 0, rows: 0 })
  })
})

describe('upload limits', () => {
  it('accepts a file at the per-file limit and refuses one byte more with 413, keeping nothing', async () => {
    const { token, user } = await seedUser()
    const vars = { UPLOAD_MAX_FILE_BYTES: '1000' }
    expect((await upload(token, [{ bytes: png(1000) }], { vars })).status).toBe(201)
    const err = expectError(await upload(token, [{ bytes: png(1001) }], { vars }), 413, 'PAYLOAD_TOO_LARGE')
    expect(err.details?.maxBytes).toBe(1000)
    expect(await leftovers(user.id)).toEqual({ objects: 1, rows: 1 })
  })

  it('refuses a file over the default 10 MB while streaming (past one R2 part) with 413, keeping nothing', async () => {
    const { token, user } = await seedUser()
    expectError(await upload(token, [{ bytes: png(10 * MiB + 1) }]), 413, 'PAYLOAD_TOO_LARGE')
    expect(await leftovers(user.id)).toEqual({ objects: 0, rows: 0 })
  })

  it('refuses a request over the per-request limit with 413, removing the files it had stored', async () => {
    const { token, user } = await seedUser()
    const vars = { UPLOAD_MAX_FILE_BYTES: '1000', UPLOAD_MAX_REQUEST_BYTES: '1500' }
    const files = [{ bytes: png(800) }, { bytes: png(800) }]
    expectError(await upload(token, files, { multiple: true, vars }), 413, 'PAYLOAD_TOO_LARGE')
    expect(await leftovers(user.id)).toEqual({ objects: 0, rows: 0 })
  })

  it('keeps nothing of an upload whose client goes away mid-body, its R2 multipart upload aborted', async () => {
    for (const ending of ['connection reset', 'body cut short'] as const) {
      const { token, user } = await seedUser()
      // The bucket as the Worker sees it, recording the multipart uploads it starts and aborts. Runtime objects'
      // methods must be called on themselves, not on the proxy.
      const bound = (target: object, prop: string | symbol) => {
        const value = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      }
      const seen: string[] = []
      const bucket = new Proxy(env.UPLOADS, {
        get(target, prop) {
          if (prop !== 'createMultipartUpload') return bound(target, prop)
          return async (...args: Parameters<R2Bucket['createMultipartUpload']>) => {
            const upload = await target.createMultipartUpload(...args)
            seen.push('started')
            const abort = async () => {
              seen.push('aborted')
              return upload.abort()
            }
            return new Proxy(upload, { get: (u, p) => (p === 'abort' ? abort : bound(u, p)) })
          }
        },
      })
      // 6 MiB of a PNG (one R2 part is sent), then the client is gone before the closing boundary.
      const head = new TextEncoder().encode(
        '--cut\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n',
      )
      const bytes = png(6 * MiB)
      const body = brokenBody(
        [head, ...Array.from({ length: 6 }, (_, i) => bytes.subarray(i * MiB, (i + 1) * MiB))],
        ending,
      )
      const res = await app.request(
        '/api/v1/uploads',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=cut' },
          body,
        },
        { ...env, UPLOADS: bucket } as Env,
      )
      expect({ ending, status: res.status }).toEqual({ ending, status: 400 })
      expect(seen).toEqual(['started', 'aborted'])
      expect(await leftovers(user.id)).toEqual({ objects: 0, rows: 0 })
    }
  })

  it('checks the type on the bytes: 415 for an executable named .png or a PNG declared as PDF', async () => {
    const { token, user } = await seedUser()
    const e1 = expectError(await upload(token, [{ bytes: exe(), name: 'cat.png' }]), 415, 'UNSUPPORTED_MEDIA_TYPE')
    expect(e1.details?.allowed).toContain('image/png')
    expectError(
      await upload(token, [{ bytes: png(), name: 'a.pdf', type: 'application/pdf' }]),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    )
    expectError(
      await upload(token, [
        { bytes: new TextEncoder().encode('hello, plain text'), name: 'a.txt', type: 'text/plain' },
      ]),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    )
    expect(await leftovers(user.id)).toEqual({ objects: 0, rows: 0 })
    // A PDF is allowed and served as one.
    expect(data(await upload(token, [{ bytes: pdf(), name: 'cv.pdf', type: 'application/pdf' }])).contentType).toBe(
      'application/pdf',
    )
  })

  it('lets a user upload 10 times an hour and answers the 11th, or a new upload session, with 429 and Retry-After', async () => {
    const { token, user } = await seedUser()
    for (let i = 0; i < 10; i++) expect((await upload(token, [{ bytes: png() }])).status).toBe(201)
    const res = await upload(token, [{ bytes: png() }])
    expectError(res, 429, 'RATE_LIMITED')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await leftovers(user.id)).toEqual({ objects: 10, rows: 10 })
    // Starting an upload session stores a file too: the same budget.
    const session = await call('POST', '/uploads/sessions', token, { filename: 'big.png', contentType: 'image/png' })
    expectError(session, 429, 'RATE_LIMITED')
    // Another user is not affected.
    const other = await seedUser()
    expect((await upload(other.token, [{ bytes: png() }])).status).toBe(201)
    expect(
      (await call('POST', '/uploads/sessions', other.token, { filename: 'big.png', contentType: 'image/png' })).status,
    ).toBe(201)
  })
})
