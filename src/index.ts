import { app } from './app'
import { handleQueue } from './queues'
import { runMinuteTick } from './schedules'

export { ChannelHub } from './objects/channel-hub'
export { DeviceMonitor } from './objects/device-monitor'
export { RateLimiter } from './objects/rate-limiter'

export default {
  fetch: app.fetch,
  queue: (batch, env) => handleQueue(batch, env),
  scheduled: async (controller, env) => {
    await runMinuteTick(controller, env)
  },
} satisfies ExportedHandler<Env>
