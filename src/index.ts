import { app } from './app'
import { handleQueue } from './queues'
import { runMinuteTick } from './schedules'

export { ChannelHub } from './objects/channel-hub'
export { HubDirectory } from './objects/hub-directory'
export { PresenceHub } from './objects/presence-hub'
export { MetricsStore } from './objects/metrics-store'
export { DeviceMonitor } from './objects/device-monitor'
export { RateLimiter } from './objects/rate-limiter'

export default {
  fetch: app.fetch,
  async queue(batch, env, ctx) {
    await handleQueue(batch, env, ctx)
  },
  async scheduled(controller, env, _ctx) {
    await runMinuteTick(controller, env)
  },
} satisfies ExportedHandler<Env>
