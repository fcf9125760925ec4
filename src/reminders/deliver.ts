/**
 * The queue consumer: sends each reminder to its channel, one at a time (max_concurrency = 1 in
 * wrangler.toml), within the robot's rate limit, and records every attempt in D1. A failure is
 * retried with exponential backoff; after MAX_RETRIES the queue moves the message to the
 * dead-letter queue, whose consumer records it as dead-lettered.
 */
import { requireNotice, requireVersion } from '../content/resolve'
import { database, type Database } from '../db/client'
import { shardsOf } from '../db/shards'
import {
  allChannels,
  deliveryById,
  insertAttemptStatement,
  requestsSince,
  updateDeliveryStatement,
  type ChannelRow,
  type DeliveryRow,
  type NewAttempt,
} from '../db/reminders'
import { timeZoneOf } from '../time'
import { accepted, buildRequest, RATE_LIMITS, TEXT_LIMITS, type RateLimit } from './channel-types'
import { channelKeys, open, type ChannelKeys } from './credentials'
import { reminderText } from './message'
import { outstandingByChannel, type ReminderMessage } from './pass'
import { reminderDay } from './plan'

/** Keep equal to max_retries of the reminder queue's consumer in wrangler.toml. */
export const MAX_RETRIES = 5
export const REMINDER_QUEUE = 'redlines-reminders'
export const DEAD_LETTER_QUEUE = 'redlines-reminders-dead'
const SEND_TIMEOUT_MS = 10_000

/** Seconds before retry n (1-based): base, 2·base, 4·base… at most an hour. */
export function backoffSeconds(attempt: number, baseSeconds: number): number {
  return Math.min(3600, Math.round(baseSeconds * 2 ** Math.max(0, attempt - 1)))
}

/**
 * Seconds to wait before another request to a robot that made `recent` requests (ISO times,
 * oldest first) within the last minute; 0 when one may go now.
 */
export function rateWait(limit: RateLimit, recent: readonly string[], now: Date): number {
  const t = now.getTime()
  const inMinute = recent.filter((at) => Date.parse(at) > t - 60_000)
  if (inMinute.length >= limit.perMinute) {
    const frees = Date.parse(inMinute[inMinute.length - limit.perMinute]!) + 60_000
    return Math.max(1, Math.ceil((frees - t) / 1000))
  }
  if (limit.perSecond) {
    const inSecond = inMinute.filter((at) => Date.parse(at) > t - 1000)
    if (inSecond.length >= limit.perSecond) return 1
  }
  return 0
}

export interface DeliveryEnv {
  DB: D1Database
  REMINDER_QUEUE: Queue<ReminderMessage>
  CHANNEL_SECRET?: string
  ORG_TIME_ZONE?: string
  /** Seconds before the first retry (doubling after), default 30. */
  REMINDER_RETRY_SECONDS?: string
  /** "off" lifts the robots' rate limits: for the throughput benchmark only. */
  REMINDER_RATE_LIMITS?: string
}

export type Outcome =
  'sent' | 'failed' | 'retried' | 'deferred' | 'dead_lettered' | 'skipped' | 'done'

function retryBase(env: DeliveryEnv) {
  const n = Number(env.REMINDER_RETRY_SECONDS)
  return Number.isFinite(n) &&
    n >= 0 &&
    env.REMINDER_RETRY_SECONDS !== undefined &&
    env.REMINDER_RETRY_SECONDS !== ''
    ? n
    : 30
}

async function record(
  db: Database,
  delivery: DeliveryRow,
  attempt: Omit<NewAttempt, 'deliveryId' | 'at'>,
  set: Parameters<typeof updateDeliveryStatement>[2],
  now: Date,
) {
  await db.batch([
    insertAttemptStatement(db, { ...attempt, deliveryId: delivery.id, at: now.toISOString() }),
    updateDeliveryStatement(db, delivery.id, { ...set, updatedAt: now.toISOString() }),
  ])
}

async function compose(
  db: Database,
  delivery: DeliveryRow,
  channel: ChannelRow,
  origin: string,
  env: DeliveryEnv,
  now: Date,
) {
  const version = requireVersion(requireNotice(delivery.noticeId), delivery.version)
  const channels = await allChannels(db)
  // Officials (and so who is outstanding) are in the shards; channels and deliveries in DB.
  const counts = await outstandingByChannel(
    shardsOf(env),
    { notice: delivery.noticeId, version: delivery.version, unit: channel.unit, now },
    channels,
    delivery.purpose,
  )
  const mine = counts.get(channel.id)
  if (!mine) return null
  const names = channel.privacy === 'names' ? mine.names : []
  const noticeUrl = origin
    ? `${origin}/notices/${delivery.noticeId}/versions/${delivery.version}`
    : ''
  const today = reminderDay(now, timeZoneOf(env.ORG_TIME_ZONE))
  return {
    deliveryId: delivery.id,
    notice: delivery.noticeId,
    version: delivery.version,
    unit: channel.unit,
    purpose: delivery.purpose,
    slot: delivery.slot,
    dueDate: delivery.dueDate,
    noticeUrl,
    outstanding: mine.names.length,
    overdue: mine.overdue,
    names,
    text: reminderText({
      version,
      unit: channel.unit,
      purpose: delivery.purpose,
      dueDate: delivery.dueDate,
      today,
      outstanding: mine.names.length,
      overdue: mine.overdue,
      names,
      noticeUrl,
      maxBytes: TEXT_LIMITS[channel.type],
    }),
  }
}

/** One message of the reminder queue; says what became of it (for tests and the log). */
export async function deliverOne(
  env: DeliveryEnv,
  keys: ChannelKeys,
  message: Message<ReminderMessage>,
  now = new Date(),
): Promise<Outcome> {
  const db = database(env.DB)
  const delivery = await deliveryById(db, message.body.deliveryId)
  if (
    !delivery ||
    delivery.status === 'sent' ||
    delivery.status === 'dead' ||
    delivery.status === 'skipped'
  ) {
    message.ack()
    return 'done'
  }
  const channel = (await allChannels(db)).find((c) => c.id === delivery.channelId)
  if (!channel) {
    // The channel was removed or replaced after the pass: nothing to send to.
    await db.batch([
      updateDeliveryStatement(db, delivery.id, { status: 'skipped', updatedAt: now.toISOString() }),
    ])
    message.ack()
    return 'skipped'
  }
  const limit = RATE_LIMITS[channel.type]
  if (env.REMINDER_RATE_LIMITS !== 'off') {
    const recent = await requestsSince(
      db,
      channel.rateKey,
      new Date(now.getTime() - 60_000).toISOString(),
    )
    const wait = rateWait(limit, recent, now)
    if (wait > 0) {
      // A new message rather than a retry: waiting for the rate limit spends none of the retries.
      await env.REMINDER_QUEUE.send(message.body, { delaySeconds: wait })
      await record(
        db,
        delivery,
        {
          rateKey: channel.rateKey,
          outcome: 'deferred',
          attempt: delivery.attempts,
          detail: `rate limit: waits ${wait} s`,
        },
        {},
        now,
      )
      message.ack()
      return 'deferred'
    }
  }
  const reminder = await compose(db, delivery, channel, message.body.origin, env, now)
  if (!reminder) {
    // Everyone it would have named has acknowledged since the pass.
    await db.batch([
      updateDeliveryStatement(db, delivery.id, {
        status: 'skipped',
        officials: 0,
        updatedAt: now.toISOString(),
      }),
    ])
    message.ack()
    return 'skipped'
  }
  const url = await open(keys, channel.urlCipher, channel.id)
  const secret = channel.secretCipher ? await open(keys, channel.secretCipher, channel.id) : null
  const request = await buildRequest(channel.type, url, secret, reminder, now)
  let status: number | null = null
  let verdict: { ok: boolean; detail: string }
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    })
    status = response.status
    verdict = accepted(channel.type, response.status, (await response.text()).slice(0, 4096))
  } catch (error) {
    // The error's name only: a fetch error's message can carry the URL.
    verdict = { ok: false, detail: error instanceof Error ? error.name : 'fetch failed' }
  }
  const attempt = delivery.attempts + 1
  if (verdict.ok) {
    await record(
      db,
      delivery,
      {
        rateKey: channel.rateKey,
        outcome: 'sent',
        attempt,
        httpStatus: status,
        detail: verdict.detail,
      },
      { status: 'sent', attempts: attempt, officials: reminder.outstanding },
      now,
    )
    message.ack()
    return 'sent'
  }
  const last = message.attempts > MAX_RETRIES
  const delay = last ? 0 : backoffSeconds(message.attempts, retryBase(env))
  await record(
    db,
    delivery,
    {
      rateKey: channel.rateKey,
      outcome: last ? 'failed' : 'retried',
      attempt,
      httpStatus: status,
      detail: last ? `${verdict.detail}; gives up` : `${verdict.detail}; retry in ${delay} s`,
    },
    { status: 'retrying', attempts: attempt },
    now,
  )
  // The last retry() moves the message to the dead-letter queue.
  message.retry({ delaySeconds: delay })
  console.log(
    JSON.stringify({
      event: 'reminder_failed',
      delivery: delivery.id,
      type: channel.type,
      attempt,
      detail: verdict.detail,
    }),
  )
  return last ? 'failed' : 'retried'
}

/** A message that ran out of retries: recorded as dead-lettered, never sent again. */
export async function deadLetter(
  env: DeliveryEnv,
  message: Message<ReminderMessage>,
  now = new Date(),
): Promise<Outcome> {
  const db = database(env.DB)
  const delivery = await deliveryById(db, message.body.deliveryId)
  if (delivery && delivery.status !== 'sent' && delivery.status !== 'dead') {
    const channel = (await allChannels(db)).find((c) => c.id === delivery.channelId)
    await record(
      db,
      delivery,
      {
        rateKey: channel?.rateKey ?? '',
        outcome: 'dead_lettered',
        attempt: delivery.attempts,
        detail: `gave up after ${delivery.attempts} attempts`,
      },
      { status: 'dead' },
      now,
    )
  }
  message.ack()
  return 'dead_lettered'
}

export async function handleReminderBatch(batch: MessageBatch<ReminderMessage>, env: DeliveryEnv) {
  if (batch.queue === DEAD_LETTER_QUEUE) {
    for (const message of batch.messages) await deadLetter(env, message)
    return
  }
  let keys: ChannelKeys
  try {
    keys = await channelKeys(env)
  } catch {
    // Without CHANNEL_SECRET nothing can be sent; the messages wait for it to be set.
    batch.retryAll({ delaySeconds: 300 })
    return
  }
  for (const message of batch.messages) {
    try {
      await deliverOne(env, keys, message)
    } catch (error) {
      console.error(
        JSON.stringify({
          event: 'reminder_error',
          error: String(error).split('\n')[0]!.slice(0, 160),
        }),
      )
      message.retry({ delaySeconds: backoffSeconds(message.attempts, retryBase(env)) })
    }
  }
}
