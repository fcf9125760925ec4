import { eq, lt } from 'drizzle-orm'
import type { Database } from './client'
import { adminSessions } from './schema'

export type SessionRow = typeof adminSessions.$inferSelect

export function insertSessionStatement(db: Database, row: SessionRow) {
  return db.insert(adminSessions).values(row)
}

export function deleteExpiredSessionsStatement(db: Database, now: string) {
  return db.delete(adminSessions).where(lt(adminSessions.expiresAt, now))
}

export async function sessionByHash(db: Database, idHash: string) {
  return db.query.adminSessions.findFirst({ where: eq(adminSessions.idHash, idHash) })
}

export function deleteSessionStatement(db: Database, idHash: string) {
  return db.delete(adminSessions).where(eq(adminSessions.idHash, idHash))
}
