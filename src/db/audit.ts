import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm'
import type { Database } from './client'
import { auditLog } from './schema'
import { inUnit, selectList } from './units'

export type AuditRow = typeof auditLog.$inferSelect
export type NewAuditRow = Omit<AuditRow, 'id'>

export function insertAuditStatement(db: Database, row: NewAuditRow) {
  return db.insert(auditLog).values(row)
}

export interface AuditFilter {
  /** Rows of this subtree only (the reader's scope, or a narrower unit inside it); null: all. */
  unit: string | null
  action?: string
  actor?: string
  /** ISO timestamps: from inclusive, to exclusive. */
  from?: string
  to?: string
  /** Keyset: rows with a smaller id (older). */
  beforeId?: number
  limit: number
}

/**
 * An audit row whose target and counts are read, in the same batch, from a row the batch has just
 * written: so the entry states the counts the write itself produced.
 */
export function insertAuditFromStatement(
  db: Database,
  row: Omit<NewAuditRow, 'target' | 'counts'>,
  source: { target: SQL; counts: SQL; from: SQL },
) {
  return db.insert(auditLog).select(
    sql`SELECT ${selectList(auditLog, {
      id: sql`NULL`,
      at: sql`${row.at}`,
      requestId: sql`${row.requestId}`,
      actorKind: sql`${row.actorKind}`,
      actor: sql`${row.actor}`,
      action: sql`${row.action}`,
      unit: sql`${row.unit}`,
      target: source.target,
      counts: source.counts,
    })} FROM ${source.from}`,
  )
}

/**
 * Newest first. A reader with a unit sees only rows of that subtree; rows about the whole roster
 * (unit null) are for readers of the whole roster.
 */
export async function auditPageStatement(db: Database, filter: AuditFilter) {
  const where: SQL[] = []
  if (filter.unit !== null) where.push(inUnit(auditLog.unit, filter.unit))
  if (filter.action) where.push(eq(auditLog.action, filter.action))
  if (filter.actor) where.push(eq(auditLog.actor, filter.actor))
  if (filter.from) where.push(gte(auditLog.at, filter.from))
  if (filter.to) where.push(lt(auditLog.at, filter.to))
  if (filter.beforeId !== undefined) where.push(lt(auditLog.id, filter.beforeId))
  return db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : sql`1`)
    .orderBy(desc(auditLog.id))
    .limit(filter.limit)
}

/** The actions that occur in the log, for the filter's choices. */
export async function auditActions(db: Database): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditLog.action }).from(auditLog)
  return rows.map((r) => r.action).sort()
}
