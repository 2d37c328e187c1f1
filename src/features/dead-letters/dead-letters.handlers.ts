import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import type * as r from './dead-letters.routes'
import * as deadLetters from './dead-letters.service'

export const list: Handler<typeof r.list> = async (c) => {
  const { data, meta } = await deadLetters.listDeadLetters(c.get('db'), c.req.valid('query'))
  return page(c, data, meta)
}

export const replay: Handler<typeof r.replay> = async (c) => {
  const { id } = c.req.valid('param')
  return ok(c, await deadLetters.replayDeadLetter(c.get('db'), c.get('config'), id, c.get('user').id), 202)
}
