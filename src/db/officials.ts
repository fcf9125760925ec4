import { and, asc, eq, gt, ne, or, sql, type SQL } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { Database } from './client'
import { transitionStatements } from './counters'
import { officials, rosterImports } from './schema'
import { inUnit, selectList, unitPage } from './units'

export type Official = typeof officials.$inferSelect
export type RosterImport = typeof rosterImports.$inferSelect

/** Rows per statement when the roster goes in as one JSON parameter: ~100 KB of JSON at most. */
export const ROSTER_CHUNK = 500

export async function findOfficialByExternalId(db: Database, externalId: string) {
  return db.query.officials.findFirst({ where: eq(officials.externalId, externalId) })
}

/** The unit each of these external ids is in now (those on the roster), one JSON parameter per chunk. */
export async function officialsByExternalId(db: Database, externalIds: readonly string[]) {
  const found = new Map<string, Pick<Official, 'externalId' | 'unit'>>()
  for (let i = 0; i < externalIds.length; i += ROSTER_CHUNK) {
    const chunk = JSON.stringify(externalIds.slice(i, i + ROSTER_CHUNK))
    const rows = await db
      .select({ externalId: officials.externalId, unit: officials.unit })
      .from(officials)
      .where(sql`${officials.externalId} IN (SELECT value FROM json_each(${chunk}))`)
    for (const row of rows) found.set(row.externalId, row)
  }
  return found
}

/** Name, unit and whether active, for each of these external ids on the roster (a roster dry run). */
export async function officialsByExternalIdFull(db: Database, externalIds: readonly string[]) {
  const found = new Map<string, Pick<Official, 'externalId' | 'name' | 'unit' | 'active'>>()
  for (let i = 0; i < externalIds.length; i += ROSTER_CHUNK) {
    const chunk = JSON.stringify(externalIds.slice(i, i + ROSTER_CHUNK))
    const rows = await db
      .select({
        externalId: officials.externalId,
        name: officials.name,
        unit: officials.unit,
        active: officials.active,
      })
      .from(officials)
      .where(sql`${officials.externalId} IN (SELECT value FROM json_each(${chunk}))`)
    for (const row of rows) found.set(row.externalId, row)
  }
  return found
}

export interface RosterWrite {
  importId: string
  now: string
  mode: 'merge' | 'full'
  scope: string | null
  bodySha256: string
  rows: readonly { externalId: string; name: string; unit: string }[]
  /** classesParameter() of every notice: the counters each moved official takes along. */
  classes: string
  /** Written in the same batch, after the import's counts are final (the audit entry). */
  alongside?: readonly BatchItem<'sqlite'>[]
}

/**
 * The statements of one import, for a single db.batch(): the import's own record first, then for
 * every chunk of rows (one JSON parameter each, so 2 to 4 bound parameters however large the
 * roster) a count of what the chunk will create, update and reactivate, added to the record,
 * and the upsert itself; in a full import, everyone in scope the file did not list is
 * deactivated and changes() of that goes into the record. Last, the record is read back. D1 runs
 * a batch alone, so each count is of the rows as this import finds them, and concurrent imports
 * of the same file report, between them, exactly what was written. Ahead of each write, the live
 * counters move with the officials it creates, moves, reactivates or deactivates.
 */
export function rosterImportStatements(db: Database, write: RosterWrite) {
  const byImport = eq(rosterImports.id, write.importId)
  const statements: BatchItem<'sqlite'>[] = [
    db.insert(rosterImports).values({
      id: write.importId,
      importedAt: write.now,
      mode: write.mode,
      scope: write.scope,
      bodySha256: write.bodySha256,
      rows: write.rows.length,
      created: 0,
      updated: 0,
      reactivated: 0,
      deactivated: 0,
    }),
  ]
  for (let i = 0; i < write.rows.length; i += ROSTER_CHUNK) {
    const chunk = JSON.stringify(
      write.rows.slice(i, i + ROSTER_CHUNK).map((r) => [r.externalId, r.name, r.unit]),
    )
    // The same conditions the upsert's updatedAt CASE uses: a listed official is created when
    // absent, reactivated when inactive, updated when active with another name or unit.
    // CROSS JOIN keeps the file's rows the outer loop, each finding its official by external id:
    // left to itself SQLite scanned every active official through (active, unit) for each row,
    // and an import slowed down with the size of the roster (81 s for 2,500 rows into a shard
    // holding 17,500).
    statements.push(
      db
        .update(rosterImports)
        .set({
          created: sql`${rosterImports.created} + (SELECT count(*) FROM json_each(${chunk}) v
          WHERE NOT EXISTS (SELECT 1 FROM ${officials} o WHERE o.external_id = v.value ->> 0))`,
          reactivated: sql`${rosterImports.reactivated} + (SELECT count(*) FROM json_each(${chunk}) v
          CROSS JOIN ${officials} o ON o.external_id = v.value ->> 0 WHERE o.active = 0)`,
          updated: sql`${rosterImports.updated} + (SELECT count(*) FROM json_each(${chunk}) v
          CROSS JOIN ${officials} o ON o.external_id = v.value ->> 0 WHERE o.active = 1
            AND (o.name IS NOT v.value ->> 1 OR o.unit IS NOT v.value ->> 2))`,
        })
        .where(byImport),
    )
    const from: Record<keyof Official, SQL> = {
      id: sql`NULL`,
      externalId: sql`value ->> 0`,
      name: sql`value ->> 1`,
      unit: sql`value ->> 2`,
      active: sql`1`,
      createdAt: sql`${write.now}`,
      updatedAt: sql`${write.now}`,
      deactivatedAt: sql`NULL`,
      lastImportId: sql`${write.importId}`,
    }
    statements.push(
      ...transitionStatements(
        db,
        sql`SELECT o.id, v.value ->> 2, 1 FROM json_each(${chunk}) v
          LEFT JOIN ${officials} o ON o.external_id = v.value ->> 0 WHERE true`,
        write.classes,
      ),
      db
        .insert(officials)
        .select(sql`SELECT ${selectList(officials, from)} FROM json_each(${chunk}) WHERE true`)
        .onConflictDoUpdate({
          target: officials.externalId,
          set: {
            updatedAt: sql`CASE
              WHEN ${officials.name} IS NOT excluded.name OR ${officials.unit} IS NOT excluded.unit
                OR ${officials.active} = 0 THEN excluded.updated_at
              ELSE ${officials.updatedAt} END`,
            name: sql`excluded.name`,
            unit: sql`excluded.unit`,
            active: true,
            deactivatedAt: null,
            lastImportId: sql`excluded.last_import_id`,
          },
        }),
    )
  }
  if (write.mode === 'full')
    statements.push(
      ...transitionStatements(
        db,
        sql`SELECT id, unit, 0 FROM ${officials} WHERE active = 1
          AND ${inUnit(sql`unit`, write.scope)} AND last_import_id <> ${write.importId}`,
        write.classes,
      ),
      db
        .update(officials)
        .set({ active: false, deactivatedAt: write.now, updatedAt: write.now })
        .where(
          and(
            eq(officials.active, true),
            inUnit(officials.unit, write.scope),
            ne(officials.lastImportId, write.importId),
          ),
        ),
      // changes() here is the row count of the deactivation just before.
      db
        .update(rosterImports)
        .set({ deactivated: sql`changes()` })
        .where(byImport),
    )
  statements.push(...(write.alongside ?? []), db.select().from(rosterImports).where(byImport))
  return statements
}

export async function countActiveOfficials(db: Database, unit?: string | null): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(officials)
    .where(and(eq(officials.active, true), inUnit(officials.unit, unit)))
  return row?.n ?? 0
}

/** Active officials in unit order (then id), a page at a time after the (unit, id) cursor. */
export function activeOfficialsPage(
  db: Database,
  options: { unit?: string | null; after?: { unit: string; id: number }; limit: number },
) {
  const { unit, after, limit } = options
  return db
    .select({
      id: officials.id,
      externalId: officials.externalId,
      name: officials.name,
      unit: officials.unit,
    })
    .from(officials)
    .where(and(eq(officials.active, true), unitPage(officials.unit, officials.id, unit, after)))
    .orderBy(officials.unit, officials.id)
    .limit(limit)
}

/** What the console lists of an official. */
const listed = {
  id: officials.id,
  externalId: officials.externalId,
  name: officials.name,
  unit: officials.unit,
  active: officials.active,
  updatedAt: officials.updatedAt,
  deactivatedAt: officials.deactivatedAt,
}

/** Active (or deactivated) officials of a subtree in (unit, id) order, on officials_active_unit. */
export function officialsByUnitStatement(
  db: Database,
  q: { active: boolean; unit: string | null; after?: { unit: string; id: number }; limit: number },
) {
  return db
    .select(listed)
    .from(officials)
    .where(
      and(eq(officials.active, q.active), unitPage(officials.unit, officials.id, q.unit, q.after)),
    )
    .orderBy(asc(officials.unit), asc(officials.id))
    .limit(q.limit)
}

/** The official with this external id, if in the subtree and of this status (unique index). */
export function officialByExternalIdStatement(
  db: Database,
  q: { externalId: string; active: boolean; unit: string | null; limit: number },
) {
  return db
    .select(listed)
    .from(officials)
    .where(
      and(
        eq(officials.externalId, q.externalId),
        eq(officials.active, q.active),
        inUnit(officials.unit, q.unit),
      ),
    )
    .limit(q.limit)
}

/** Officials whose name starts with `prefix`, in (name, id) order, on officials_name. */
export function officialsByNameStatement(
  db: Database,
  q: {
    prefix: string
    active: boolean
    unit: string | null
    after?: { name: string; id: number }
    limit: number
  },
) {
  return db
    .select(listed)
    .from(officials)
    .where(
      and(
        sql`${officials.name} >= ${q.prefix} AND ${officials.name} < ${`${q.prefix}\u{10ffff}`}`,
        q.after
          ? or(
              gt(officials.name, q.after.name),
              and(eq(officials.name, q.after.name), gt(officials.id, q.after.id)),
            )
          : undefined,
        // Unary + keeps SQLite off officials_active_unit (it has no statistics to tell that a
        // name prefix is the narrower range): the name index gives the order and the range.
        sql`+${officials.active} = ${q.active ? 1 : 0}`,
        inUnit(officials.unit, q.unit),
      ),
    )
    .orderBy(asc(officials.name), asc(officials.id))
    .limit(q.limit)
}

/** Active officials of a subtree (a full import's dry run compares the file with them). */
export function activeInUnitStatement(db: Database, unit: string | null) {
  return db
    .select({ externalId: officials.externalId, name: officials.name, unit: officials.unit })
    .from(officials)
    .where(and(eq(officials.active, true), inUnit(officials.unit, unit)))
    .orderBy(officials.unit, officials.id)
}
