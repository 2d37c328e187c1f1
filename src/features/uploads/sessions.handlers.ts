import { ok } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import type * as r from './sessions.routes'
import * as sessions from './sessions.service'

export const create: Handler<typeof r.create> = async (c) =>
  ok(c, await sessions.createSession(c.get('db'), c.get('config'), c.get('user'), c.req.valid('json')), 201)

export const get: Handler<typeof r.get> = async (c) =>
  ok(c, await sessions.getSession(c.get('db'), c.get('user'), c.req.valid('param').id))

export const putPart: Handler<typeof r.putPart> = async (c) => {
  const { id, n } = c.req.valid('param')
  const req = { body: c.req.raw.body, contentLength: c.req.header('content-length') }
  return ok(c, await sessions.putPart(c.get('db'), c.get('config'), c.get('user'), id, n, req))
}

export const complete: Handler<typeof r.complete> = async (c) =>
  ok(c, await sessions.completeSession(c.get('db'), c.get('config'), c.get('user'), c.req.valid('param').id), 201)

export const abort: Handler<typeof r.abort> = async (c) => {
  await sessions.abortSession(c.get('db'), c.get('config'), c.get('user'), c.req.valid('param').id)
  return c.body(null, 204)
}
