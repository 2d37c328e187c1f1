import type { Handler } from '../../lib/types'
import type * as r from './metrics.routes'
import { authorizeScrape, scrape } from './metrics.service'

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export const metrics: Handler<typeof r.metrics> = async (c) => {
  await authorizeScrape(c)
  return c.text(await scrape(c.get('config')), 200, { 'content-type': CONTENT_TYPE })
}
