import { consumeAcknowledgements, isAcknowledgementMessage } from './acknowledgements/queue'
import { scheduledCheckpoint } from './acknowledgements/schedule'
import { createApp } from './app'
import { shardsOf } from './db/shards'

const app = createApp()

export default {
  fetch: app.fetch,
  // The cron in wrangler.toml seals new acknowledgements under a signed checkpoint.
  scheduled(controller, env, ctx) {
    ctx.waitUntil(scheduledCheckpoint(env, new Date(controller.scheduledTime)))
  },
  // ACK_QUEUE (when bound): acknowledgements a shard was too overloaded to take in the request.
  async queue(batch, env) {
    const acknowledgements = batch.messages.filter((m) => isAcknowledgementMessage(m.body))
    for (const message of batch.messages)
      if (!isAcknowledgementMessage(message.body)) {
        console.error(JSON.stringify({ event: 'queue_message_unknown', queue: batch.queue }))
        message.ack()
      }
    if (acknowledgements.length) await consumeAcknowledgements(acknowledgements, shardsOf(env))
  },
} satisfies ExportedHandler<Env>
