import { scheduledCheckpoint } from './acknowledgements/schedule'
import { createApp } from './app'

const app = createApp()

export default {
  fetch: app.fetch,
  // The cron in wrangler.toml seals new acknowledgements under a signed checkpoint.
  scheduled(controller, env, ctx) {
    ctx.waitUntil(scheduledCheckpoint(env, new Date(controller.scheduledTime)))
  },
} satisfies ExportedHandler<Env>
