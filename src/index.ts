import { consumeAcknowledgements, isAcknowledgementMessage } from './acknowledgements/queue'
import { scheduledCheckpoint } from './acknowledgements/schedule'
import { createApp } from './app'
import { shardsOf } from './db/shards'
import { DEAD_LETTER_QUEUE, handleReminderBatch, REMINDER_QUEUE } from './reminders/deliver'
import type { ReminderMessage } from './reminders/pass'
import { scheduledReminders } from './reminders/pass'
import { timeZoneOf } from './time'

const app = createApp()

/** The cron's reminder pass over every rollout; counts only in the log, never names. */
async function reminderPass(env: Env, now: Date) {
  const results = await scheduledReminders(shardsOf(env), env.REMINDER_QUEUE, {
    now,
    timeZone: timeZoneOf(env.ORG_TIME_ZONE),
    origin: env.PUBLIC_ORIGIN?.replace(/\/+$/, '') ?? '',
  })
  console.log(JSON.stringify({ event: 'reminder_pass', rollouts: results }))
}

export default {
  fetch: app.fetch,
  // The cron in wrangler.toml seals new acknowledgements under a signed checkpoint and enqueues
  // the reminders that are due; one failing does not stop the other.
  async scheduled(controller, env, ctx) {
    const now = new Date(controller.scheduledTime)
    ctx.waitUntil(
      Promise.allSettled([scheduledCheckpoint(env, now), reminderPass(env, now)]).then(
        (results) => {
          for (const r of results)
            if (r.status === 'rejected')
              console.error(
                JSON.stringify({
                  event: 'scheduled_failed',
                  error: String(r.reason).split('\n')[0],
                }),
              )
        },
      ),
    )
  },
  // One Worker consumes two kinds of queue, told apart by name: the reminders (to group chats,
  // and the dead-letter queue's record of those that gave up), and ACK_QUEUE (when bound), the
  // acknowledgements a shard was too overloaded to take in the request.
  async queue(batch, env, _ctx) {
    if (batch.queue === REMINDER_QUEUE || batch.queue === DEAD_LETTER_QUEUE) {
      await handleReminderBatch(
        batch as MessageBatch<ReminderMessage>,
        env as Env & { REMINDER_QUEUE: Queue<ReminderMessage> },
      )
      return
    }
    const acknowledgements = batch.messages.filter((m) => isAcknowledgementMessage(m.body))
    for (const message of batch.messages)
      if (!isAcknowledgementMessage(message.body)) {
        console.error(JSON.stringify({ event: 'queue_message_unknown', queue: batch.queue }))
        message.ack()
      }
    if (acknowledgements.length) await consumeAcknowledgements(acknowledgements, shardsOf(env))
  },
} satisfies ExportedHandler<Env>
