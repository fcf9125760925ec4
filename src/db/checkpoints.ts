import { and, asc, desc, gt, lte, sql, type SQL } from 'drizzle-orm'
import type { Database } from './client'
import { ackCheckpoints } from './schema'
import { selectList } from './units'

export type Checkpoint = typeof ackCheckpoints.$inferSelect

/** The newest checkpoints, newest first: the latest and the one it chains to. */
export async function latestCheckpoints(db: Database, count: number): Promise<Checkpoint[]> {
  return db.select().from(ackCheckpoints).orderBy(desc(ackCheckpoints.treeSize)).limit(count)
}

/** Checkpoints over more than `above` records (and at most `through`), oldest first. */
export async function checkpointsAbove(
  db: Database,
  q: { above: number; through?: number; limit: number },
): Promise<Checkpoint[]> {
  return db
    .select()
    .from(ackCheckpoints)
    .where(
      and(
        gt(ackCheckpoints.treeSize, q.above),
        q.through === undefined ? undefined : lte(ackCheckpoints.treeSize, q.through),
      ),
    )
    .orderBy(asc(ackCheckpoints.treeSize))
    .limit(q.limit)
}

export async function checkpointOfSize(db: Database, treeSize: number) {
  return db.query.ackCheckpoints.findFirst({
    where: (c, { eq }) => eq(c.treeSize, treeSize),
  })
}

/** The stored checkpoints of these tree sizes (one JSON parameter). */
export async function checkpointsOfSizes(
  db: Database,
  sizes: readonly number[],
): Promise<Checkpoint[]> {
  if (sizes.length === 0) return []
  return db
    .select()
    .from(ackCheckpoints)
    .where(
      sql`${ackCheckpoints.treeSize} IN (SELECT value FROM json_each(${JSON.stringify(sizes)}))`,
    )
}

/**
 * Stores a checkpoint only if the one it chains to is still the newest (tree size `after`, 0 for
 * none): two makers (the cron and an administrator) racing from the same checkpoint cannot both
 * extend it, so the chain never forks. Whether it was stored.
 */
export async function saveCheckpoint(
  db: Database,
  checkpoint: Checkpoint,
  after: number,
): Promise<boolean> {
  const values = Object.fromEntries(
    Object.entries(checkpoint).map(([key, value]) => [key, sql`${value}`]),
  ) as Record<keyof Checkpoint, SQL>
  const stored = await db
    .insert(ackCheckpoints)
    .select(
      sql`SELECT ${selectList(ackCheckpoints, values)}
        WHERE coalesce((SELECT max(tree_size) FROM ack_checkpoints), 0) = ${after}`,
    )
    .onConflictDoNothing()
    .returning({ treeSize: ackCheckpoints.treeSize })
  return stored.length === 1
}
