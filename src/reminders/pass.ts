/**
 * The reminder pass (the cron, and POST /api/admin/reminders/run): for each rollout, works out
 * which channels have outstanding officials and which reminder of the plan is due for each, and
 * enqueues those not enqueued before. The slot's unique key in reminder_deliveries makes this
 * idempotent: a reminder due at a time is enqueued once however often the pass runs.
 */
import { outstanding } from '../acknowledgements/status'
import { isWithin } from '../acknowledgements/roster'
import { requireAdmin } from '../admin/actor'
import { audit, type AuditBy } from '../admin/audit'
import { requireNotice, requireVersion } from '../content/resolve'
import type { Database } from '../db/client'
import { asShards, type Store } from '../db/shards'
import { linkBatchesFor, type LinkBatch } from '../db/links'
import {
  allChannels,
  deleteDeliveries,
  insertNewDeliveries,
  planFor,
  rollouts,
  type ChannelRow,
  type NewDelivery,
} from '../db/reminders'
import { coveringChannel } from './channels'
import { DEFAULT_PLAN, escalationSlot, groupSlot, reminderDay, type ReminderPlan } from './plan'

export interface ReminderMessage {
  deliveryId: string
  /** Where the notice's public page is (the reminder links to it); '' when unknown. */
  origin: string
}

export interface ReminderQueue {
  sendBatch(messages: Iterable<MessageSendRequest<ReminderMessage>>): Promise<unknown>
}

export interface PassResult {
  notice: string
  version: number
  today: string
  /** Channels with outstanding officials, and of those the ones a reminder was due for. */
  channels: number
  due: number
  enqueued: number
  /** Due, but enqueued by an earlier pass. */
  already: number
}

export async function planOf(
  db: Database,
  noticeId: string,
  version: number,
): Promise<ReminderPlan> {
  const row = await planFor(db, noticeId, version)
  if (!row) return DEFAULT_PLAN
  const { noticeId: _notice, version: _version, updatedAt: _at, updatedBy: _by, ...plan } = row
  return plan
}

/**
 * A channel's due date: the plan's, else that of the latest dated links that reached the
 * channel's unit, else the latest dated links handed out inside it.
 */
export function channelDueDate(plan: ReminderPlan, batches: readonly LinkBatch[], unit: string) {
  if (plan.dueDate) return plan.dueDate
  const dated = batches.filter((b) => b.dueDate).reverse()
  return (
    dated.find((b) => isWithin(unit, b.unit))?.dueDate ??
    dated.find((b) => b.unit && isWithin(b.unit, unit))?.dueDate ??
    null
  )
}

/** Outstanding officials per channel id: each official counts for their unit's nearest channel. */
export async function outstandingByChannel(
  store: Store,
  q: { notice: string; version: number; unit: string | null; now: Date },
  channels: readonly ChannelRow[],
  purpose: 'group' | 'leaders',
) {
  const counts = new Map<string, { channel: ChannelRow; names: string[]; overdue: number }>()
  const byUnit = new Map<string, ChannelRow | undefined>()
  for await (const official of outstanding(store, q)) {
    if (!byUnit.has(official.unit))
      byUnit.set(official.unit, coveringChannel(channels, official.unit, purpose))
    const channel = byUnit.get(official.unit)
    if (!channel) continue
    let entry = counts.get(channel.id)
    if (!entry) counts.set(channel.id, (entry = { channel, names: [], overdue: 0 }))
    entry.names.push(official.name)
    if (official.overdue) entry.overdue++
  }
  return counts
}

export async function runPass(
  store: Store,
  queue: ReminderQueue,
  q: { notice: string; version: number; now: Date; timeZone: string; origin: string },
): Promise<PassResult> {
  // Plans, channels, link batches and deliveries are in DB; the officials in every shard.
  const db = asShards(store).control
  const notice = requireNotice(q.notice)
  const version = requireVersion(notice, q.version)
  const today = reminderDay(q.now, q.timeZone)
  const result: PassResult = {
    notice: notice.id,
    version: version.version,
    today,
    channels: 0,
    due: 0,
    enqueued: 0,
    already: 0,
  }
  const plan = await planOf(db, notice.id, version.version)
  if (!plan.enabled) return result
  const [channels, batches] = await Promise.all([
    allChannels(db),
    linkBatchesFor(db, notice.id, version.version),
  ])
  if (channels.length === 0) return result
  const at = q.now.toISOString()
  const rows: NewDelivery[] = []
  for (const purpose of ['group', 'leaders'] as const) {
    const counts = await outstandingByChannel(
      store,
      { notice: notice.id, version: version.version, unit: null, now: q.now },
      channels,
      purpose,
    )
    for (const { channel } of counts.values()) {
      result.channels++
      const due = channelDueDate(plan, batches, channel.unit)
      if (!due) continue
      const slot =
        purpose === 'group' ? groupSlot(plan, due, today) : escalationSlot(plan, due, today)
      if (!slot) continue
      rows.push({
        id: `rd_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`,
        noticeId: notice.id,
        version: version.version,
        channelId: channel.id,
        unit: channel.unit,
        purpose,
        slotDate: slot.date,
        slot: slot.kind,
        dueDate: due,
        status: 'queued',
        officials: null,
        attempts: 0,
        createdAt: at,
        updatedAt: at,
      })
    }
  }
  result.due = rows.length
  const created = await insertNewDeliveries(db, rows)
  result.enqueued = created.length
  result.already = rows.length - created.length
  try {
    for (let i = 0; i < created.length; i += 100)
      await queue.sendBatch(
        created.slice(i, i + 100).map((deliveryId) => ({ body: { deliveryId, origin: q.origin } })),
      )
  } catch (error) {
    // Not on the queue: not recorded either, so the next pass enqueues them again.
    await deleteDeliveries(db, created)
    throw error
  }
  return result
}

/**
 * The pass for one rollout, as an admin runs it now (audited with what it enqueued). Reminders
 * reach every unit's channel, so only those who cover the whole roster run it.
 */
export async function runPassAs(
  store: Store,
  queue: ReminderQueue,
  by: AuditBy,
  q: Omit<Parameters<typeof runPass>[2], 'now'>,
) {
  requireAdmin(by.actor, null, 'write')
  const result = await runPass(store, queue, { ...q, now: by.now })
  await audit(asShards(store).control, by, 'reminders.run', {
    target: `${result.notice}@${result.version}`,
    counts: { enqueued: result.enqueued, already: result.already },
  })
  return result
}

/** The cron: every rollout. One failing rollout does not stop the others. */
export async function scheduledReminders(
  store: Store,
  queue: ReminderQueue,
  q: { now: Date; timeZone: string; origin: string },
) {
  const results: (PassResult | { notice: string; version: number; error: string })[] = []
  for (const r of await rollouts(asShards(store).control)) {
    try {
      results.push(await runPass(store, queue, { ...q, notice: r.noticeId, version: r.version }))
    } catch (error) {
      results.push({
        notice: r.noticeId,
        version: r.version,
        error: String(error).split('\n')[0]!.slice(0, 120),
      })
    }
  }
  return results
}
