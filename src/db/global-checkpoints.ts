import { asc, desc, gt, sql, type SQL } from 'drizzle-orm'
import type { Database } from './client'
import { globalCheckpoints } from './schema'
import { selectList } from './units'

export type GlobalCheckpointRow = typeof globalCheckpoints.$inferSelect

export async function latestGlobalCheckpoint(control: Database) {
  const [row] = await control
    .select()
    .from(globalCheckpoints)
    .orderBy(desc(globalCheckpoints.number))
    .limit(1)
  return row
}

/** Global checkpoints numbered above `after`, oldest first. */
export function globalCheckpointsAfter(control: Database, q: { after: number; limit: number }) {
  return control
    .select()
    .from(globalCheckpoints)
    .where(gt(globalCheckpoints.number, q.after))
    .orderBy(asc(globalCheckpoints.number))
    .limit(q.limit)
}

/**
 * Stores a global checkpoint only if the one before it is still the newest, so two makers racing
 * (the cron and an administrator) cannot fork the chain. Whether it was stored.
 */
export async function saveGlobalCheckpoint(control: Database, row: GlobalCheckpointRow) {
  const values = Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, sql`${value}`]),
  ) as Record<keyof GlobalCheckpointRow, SQL>
  const stored = await control
    .insert(globalCheckpoints)
    .select(
      sql`SELECT ${selectList(globalCheckpoints, values)}
        WHERE coalesce((SELECT max(number) FROM global_checkpoints), 0) = ${row.number - 1}`,
    )
    .onConflictDoNothing()
    .returning({ number: globalCheckpoints.number })
  return stored.length === 1
}
