import { ok, page } from '../../lib/envelope'
import type { Handler } from '../../lib/types'
import type * as routes from './search.routes'
import * as service from './search.service'

export const search: Handler<typeof routes.search> = async (c) => {
  const { data, meta } = await service.search(c.get('db'), c.get('user'), c.req.valid('query'))
  return page(c, data, meta)
}

export const autocomplete: Handler<typeof routes.autocomplete> = async (c) =>
  ok(c, await service.autocomplete(c.get('db'), c.get('user'), c.req.valid('query')))
