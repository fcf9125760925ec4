import { scheduledCheckpoint } from './acknowledgements/schedule'
import { createApp } from './app'
import { database } from './db/client'
import { handleReminderBatch } from './reminders/deliver'
import type { ReminderMessage } from './reminders/pass'
import { scheduledReminders } from './reminders/pass'
import { timeZoneOf } from './time'

const app = createApp()

/** The cron's reminder pass over every rollout; counts only in the log, never names. */
async function reminderPass(env: Env, now: Date) {
  const results = await scheduledReminders(database(env.DB), env.REMINDER_QUEUE, {
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
  // Reminders to group chats, and the dead-letter queue's record of those that gave up.
  async queue(batch, env, _ctx) {
    await handleReminderBatch(
      batch as MessageBatch<ReminderMessage>,
      env as Env & { REMINDER_QUEUE: Queue<ReminderMessage> },
    )
  },
} satisfies ExportedHandler<Env>
