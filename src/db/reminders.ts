/** Queries of reminders: channels, plans, deliveries and their attempts, unit contacts. */
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm'
import type { Database } from './client'
import {
  linkBatches,
  reminderAttempts,
  reminderChannels,
  reminderDeliveries,
  reminderPlans,
  unitSettings,
} from './schema'
import { inUnit } from './units'

export type ChannelRow = typeof reminderChannels.$inferSelect
export type PlanRow = typeof reminderPlans.$inferSelect
export type DeliveryRow = typeof reminderDeliveries.$inferSelect
export type AttemptRow = typeof reminderAttempts.$inferSelect
export type NewDelivery = typeof reminderDeliveries.$inferInsert
export type NewAttempt = typeof reminderAttempts.$inferInsert

export const allChannels = (db: Database) =>
  db.select().from(reminderChannels).orderBy(asc(reminderChannels.unit))

export const channelsIn = (db: Database, unit: string | null) =>
  db
    .select()
    .from(reminderChannels)
    .where(inUnit(reminderChannels.unit, unit))
    .orderBy(asc(reminderChannels.unit), asc(reminderChannels.purpose))

export async function channelById(db: Database, id: string) {
  return (await db.select().from(reminderChannels).where(eq(reminderChannels.id, id)))[0]
}

export const deleteChannelsStatement = (
  db: Database,
  unit: string,
  purpose: ChannelRow['purpose'],
) =>
  db
    .delete(reminderChannels)
    .where(and(eq(reminderChannels.unit, unit), eq(reminderChannels.purpose, purpose)))

export const deleteChannelStatement = (db: Database, id: string) =>
  db.delete(reminderChannels).where(eq(reminderChannels.id, id))

export const insertChannelStatement = (db: Database, row: ChannelRow) =>
  db.insert(reminderChannels).values(row)

export async function planFor(db: Database, noticeId: string, version: number) {
  return (
    await db
      .select()
      .from(reminderPlans)
      .where(and(eq(reminderPlans.noticeId, noticeId), eq(reminderPlans.version, version)))
  )[0]
}

export const upsertPlanStatement = (db: Database, row: PlanRow) =>
  db
    .insert(reminderPlans)
    .values(row)
    .onConflictDoUpdate({
      target: [reminderPlans.noticeId, reminderPlans.version],
      set: {
        dueDate: row.dueDate,
        beforeDays: row.beforeDays,
        onDueDate: row.onDueDate,
        repeatDays: row.repeatDays,
        escalateAfterDays: row.escalateAfterDays,
        enabled: row.enabled,
        updatedAt: row.updatedAt,
        updatedBy: row.updatedBy,
      },
    })

/** The rollouts a pass looks at: every version links were handed out for, or with a plan. */
export async function rollouts(db: Database): Promise<{ noticeId: string; version: number }[]> {
  const [fromLinks, fromPlans] = await Promise.all([
    db
      .selectDistinct({ noticeId: linkBatches.noticeId, version: linkBatches.version })
      .from(linkBatches),
    db
      .select({ noticeId: reminderPlans.noticeId, version: reminderPlans.version })
      .from(reminderPlans),
  ])
  const seen = new Map<string, { noticeId: string; version: number }>()
  for (const r of [...fromLinks, ...fromPlans]) seen.set(`${r.noticeId}@${r.version}`, r)
  return [...seen.values()].sort((a, b) =>
    a.noticeId === b.noticeId ? a.version - b.version : a.noticeId < b.noticeId ? -1 : 1,
  )
}

/** Inserts the deliveries not yet there (the slot's unique key decides); returns the new ones. */
export async function insertNewDeliveries(db: Database, rows: NewDelivery[]) {
  const created: string[] = []
  // 13 columns a row: 7 rows keep a statement under D1's 100 bound parameters.
  for (let i = 0; i < rows.length; i += 7) {
    const chunk = rows.slice(i, i + 7)
    const inserted = await db
      .insert(reminderDeliveries)
      .values(chunk)
      .onConflictDoNothing()
      .returning({ id: reminderDeliveries.id })
    created.push(...inserted.map((r) => r.id))
  }
  return created
}

export const deleteDeliveries = (db: Database, ids: string[]) =>
  ids.length ? db.delete(reminderDeliveries).where(inArray(reminderDeliveries.id, ids)) : null

export async function deliveryById(db: Database, id: string) {
  return (await db.select().from(reminderDeliveries).where(eq(reminderDeliveries.id, id)))[0]
}

export const updateDeliveryStatement = (
  db: Database,
  id: string,
  set: Partial<Pick<DeliveryRow, 'status' | 'officials' | 'attempts' | 'updatedAt'>>,
) => db.update(reminderDeliveries).set(set).where(eq(reminderDeliveries.id, id))

export const insertAttemptStatement = (db: Database, row: NewAttempt) =>
  db.insert(reminderAttempts).values(row)

/** Requests made to one robot since `since` (ISO time): what its rate limit counts. */
export async function requestsSince(db: Database, rateKey: string, since: string) {
  const rows = await db
    .select({ at: reminderAttempts.at })
    .from(reminderAttempts)
    .where(
      and(
        eq(reminderAttempts.rateKey, rateKey),
        gt(reminderAttempts.at, since),
        inArray(reminderAttempts.outcome, ['sent', 'failed', 'retried']),
      ),
    )
    .orderBy(asc(reminderAttempts.at))
  return rows.map((r) => r.at)
}

export const DELIVERY_PAGE = 50

export async function recentDeliveries(
  db: Database,
  q: { noticeId?: string; version?: number; unit: string | null; limit?: number },
) {
  return db
    .select()
    .from(reminderDeliveries)
    .where(
      and(
        q.noticeId ? eq(reminderDeliveries.noticeId, q.noticeId) : undefined,
        q.version ? eq(reminderDeliveries.version, q.version) : undefined,
        inUnit(reminderDeliveries.unit, q.unit),
      ),
    )
    .orderBy(desc(reminderDeliveries.createdAt), desc(reminderDeliveries.id))
    .limit(q.limit ?? DELIVERY_PAGE)
}

export async function attemptsOf(db: Database, deliveryIds: string[]) {
  if (deliveryIds.length === 0) return []
  const rows: AttemptRow[] = []
  for (let i = 0; i < deliveryIds.length; i += 90)
    rows.push(
      ...(await db
        .select()
        .from(reminderAttempts)
        .where(inArray(reminderAttempts.deliveryId, deliveryIds.slice(i, i + 90)))
        .orderBy(asc(reminderAttempts.id))),
    )
  return rows
}

export async function unitSettingsOf(db: Database, units: string[]) {
  if (units.length === 0) return []
  return db.select().from(unitSettings).where(inArray(unitSettings.unit, units))
}

export const upsertUnitContactStatement = (db: Database, row: typeof unitSettings.$inferInsert) =>
  db
    .insert(unitSettings)
    .values(row)
    .onConflictDoUpdate({
      target: unitSettings.unit,
      set: { contact: row.contact, updatedAt: row.updatedAt, updatedBy: row.updatedBy },
    })

export const unitContactsIn = (db: Database, unit: string | null) =>
  db
    .select()
    .from(unitSettings)
    .where(and(inUnit(unitSettings.unit, unit), sql`${unitSettings.contact} IS NOT NULL`))
    .orderBy(asc(unitSettings.unit))
