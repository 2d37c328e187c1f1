import type { Context } from 'hono'
import type { Config } from '../../env'
import { authenticate, bearerToken, claimsOf } from '../../lib/auth'
import { timingSafeEqual } from '../../lib/crypto'
import { ApiError } from '../../lib/errors'
import { metricsStore } from '../../lib/metrics/middleware'
import { recorder } from '../../lib/metrics/recorder'
import { type Gauge, renderPrometheus } from '../../lib/metrics/render'
import type { AppEnv } from '../../lib/types'
import { connectionStats } from '../realtime/hub.service'

/** A scrape is allowed with `Authorization: Bearer <METRICS_TOKEN>` or an admin's access token. */
export async function authorizeScrape(c: Context<AppEnv>) {
  const token = bearerToken(c)
  if (!token) throw ApiError.unauthorized()
  const secret = c.get('config').METRICS_TOKEN
  if (secret && timingSafeEqual(token, secret)) return
  const claims = await claimsOf(c)
  if (!claims) throw ApiError.unauthorized()
  const user = await authenticate(c, claims)
  if (!user.roles.includes('admin')) throw ApiError.forbidden()
}

/** Connections open now, read from the hubs (a gauge is not accumulated). */
async function connectionGauges(config: Config): Promise<Gauge[]> {
  const stats = await connectionStats(config.bindings).catch(() => undefined)
  if (!stats) return []
  const { totals } = stats
  return [
    { name: 'outpost_websocket_connections', help: 'WebSocket connections open', value: totals.websockets },
    { name: 'outpost_sse_connections', help: 'SSE streams open', value: totals.sse },
    { name: 'outpost_realtime_channels', help: 'Channels with a connection', value: totals.channels },
  ]
}

/** The store's totals in Prometheus text, this isolate's unsent batch included. */
export async function scrape(config: Config) {
  const store = metricsStore(config)
  const local = recorder.takeBatch()
  if (Object.keys(local).length) {
    await store.add(local).catch((err: unknown) => {
      recorder.restoreBatch(local)
      throw err
    })
  }
  const [totals, gauges] = await Promise.all([store.snapshot(), connectionGauges(config)])
  return renderPrometheus(totals, gauges)
}
