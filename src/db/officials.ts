import { and, eq, ne, sql, type SQL } from 'drizzle-orm'
import type { Database } from './client'
import { officials, rosterImports } from './schema'
import { inUnit, selectList, unitPage } from './units'

export type Official = typeof officials.$inferSelect

/** Rows per statement when the roster goes in as one JSON parameter: ~100 KB of JSON at most. */
export const ROSTER_CHUNK = 500

export async function findOfficialByExternalId(db: Database, externalId: string) {
  return db.query.officials.findFirst({ where: eq(officials.externalId, externalId) })
}

/** The current roster rows for these external ids, read in chunks of one JSON parameter each. */
export async function officialsByExternalId(db: Database, externalIds: readonly string[]) {
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
  counts: { created: number; updated: number; reactivated: number }
}

/**
 * The statements of one import, for a single db.batch(): every row upserted (JSON chunks keep
 * each statement at 4 bound parameters however large the roster), then in a full import everyone
 * in scope that the file did not list deactivated, then the import's own record, whose
 * `deactivated` count is changes() of the statement just before it.
 */
export function rosterImportStatements(db: Database, write: RosterWrite) {
  const upserts = []
  for (let i = 0; i < write.rows.length; i += ROSTER_CHUNK) {
    const chunk = JSON.stringify(
      write.rows.slice(i, i + ROSTER_CHUNK).map((r) => [r.externalId, r.name, r.unit]),
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
    upserts.push(
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
  const deactivate = db
    .update(officials)
    .set({ active: false, deactivatedAt: write.now, updatedAt: write.now })
    .where(
      and(
        eq(officials.active, true),
        inUnit(officials.unit, write.scope),
        ne(officials.lastImportId, write.importId),
      ),
    )
  const record = db.insert(rosterImports).values({
    id: write.importId,
    importedAt: write.now,
    mode: write.mode,
    scope: write.scope,
    bodySha256: write.bodySha256,
    rows: write.rows.length,
    ...write.counts,
    deactivated: write.mode === 'full' ? sql`changes()` : 0,
  })
  return write.mode === 'full' ? [...upserts, deactivate, record] : [...upserts, record]
}

export async function rosterImport(db: Database, id: string) {
  return db.query.rosterImports.findFirst({ where: eq(rosterImports.id, id) })
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
