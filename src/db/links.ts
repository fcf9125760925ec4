import { and, asc, eq } from 'drizzle-orm'
import type { Database } from './client'
import { linkBatches } from './schema'

export type LinkBatch = typeof linkBatches.$inferSelect

export function insertLinkBatchStatement(db: Database, batch: LinkBatch) {
  return db.insert(linkBatches).values(batch)
}

export async function linkBatchesFor(db: Database, noticeId: string, version: number) {
  return linkBatchesStatement(db, noticeId, version)
}

/** On link_batches_version: (notice_id, version, created_at). */
export function linkBatchesStatement(db: Database, noticeId: string, version: number) {
  return db
    .select()
    .from(linkBatches)
    .where(and(eq(linkBatches.noticeId, noticeId), eq(linkBatches.version, version)))
    .orderBy(asc(linkBatches.createdAt))
}

export async function linkBatchById(db: Database, id: string) {
  return db.query.linkBatches.findFirst({ where: eq(linkBatches.id, id) })
}
