import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import { checkSignature, serveThumbnail, serveUpload, signedPath } from './serve'
import type * as r from './uploads.routes'
import * as uploads from './uploads.service'

const incoming = (req: Request) => ({
  body: req.body,
  contentType: req.headers.get('content-type') ?? undefined,
  contentLength: req.headers.get('content-length') ?? undefined,
})

export const uploadOne: Handler<typeof r.uploadOne> = async (c) => {
  const [row] = await uploads.receive(c.get('db'), c.get('config'), c.get('user'), incoming(c.req.raw), 1)
  return ok(c, row!, 201)
}

export const uploadMany: Handler<typeof r.uploadMany> = async (c) =>
  ok(c, await uploads.receive(c.get('db'), c.get('config'), c.get('user'), incoming(c.req.raw), 10), 201)

export const get: Handler<typeof r.get> = async (c) => {
  const row = await uploads.visibleUpload(c.get('db'), c.get('user'), c.req.valid('param').id)
  const { size } = c.req.valid('query')
  return size ? serveThumbnail(c.get('config'), row, size, c.req.raw) : serveUpload(c.get('config'), row, c.req.raw)
}

export const signedUrl: Handler<typeof r.signedUrl> = async (c) => {
  const row = await uploads.visibleUpload(c.get('db'), c.get('user'), c.req.valid('param').id)
  const { path, expiresAt } = await signedPath(c.get('config'), row.id)
  const url = new URL(path, c.req.url)
  const { size } = c.req.valid('query')
  if (size) url.searchParams.set('size', String(size))
  return ok(c, { url: url.toString(), expiresAt: expiresAt.toISOString() })
}

export const content: Handler<typeof r.content> = async (c) => {
  const { id } = c.req.valid('param')
  const { expires, sig, size } = c.req.valid('query')
  await checkSignature(c.get('config'), id, expires, sig)
  const row = await uploads.findUpload(c.get('db'), id)
  return size ? serveThumbnail(c.get('config'), row, size, c.req.raw) : serveUpload(c.get('config'), row, c.req.raw)
}

export const remove: Handler<typeof r.remove> = async (c) => {
  await uploads.removeUpload(c.get('db'), c.get('config'), c.get('user'), c.req.valid('param').id)
  return c.body(null, 204)
}

export const projectFiles: Handler<typeof r.projectFiles> = async (c) => {
  const { data, meta } = await uploads.listProjectFiles(
    c.get('db'),
    c.get('user'),
    c.req.valid('param').id,
    c.req.valid('query'),
  )
  return page(c, data, meta)
}
