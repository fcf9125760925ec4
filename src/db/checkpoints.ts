import { asc, desc } from 'drizzle-orm'
import type { Database } from './client'
import { ackCheckpoints } from './schema'

export type Checkpoint = typeof ackCheckpoints.$inferSelect

export async function latestCheckpoint(db: Database): Promise<Checkpoint | undefined> {
  const [row] = await db
    .select()
    .from(ackCheckpoints)
    .orderBy(desc(ackCheckpoints.treeSize))
    .limit(1)
  return row
}

export async function allCheckpoints(db: Database): Promise<Checkpoint[]> {
  return db.select().from(ackCheckpoints).orderBy(asc(ackCheckpoints.treeSize))
}

/** Two makers (cron and an administrator) may sign the same size at once; the first one stays. */
export async function saveCheckpoint(db: Database, checkpoint: Checkpoint): Promise<void> {
  await db.insert(ackCheckpoints).values(checkpoint).onConflictDoNothing()
}
