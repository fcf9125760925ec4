import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm'
import type { Database } from './client'
import { apiTokens } from './schema'
import { inUnit } from './units'

export type ApiTokenRow = typeof apiTokens.$inferSelect

export function insertTokenStatement(db: Database, row: ApiTokenRow) {
  return db.insert(apiTokens).values(row)
}

export async function tokenByHash(db: Database, tokenHash: string) {
  return db.query.apiTokens.findFirst({ where: eq(apiTokens.tokenHash, tokenHash) })
}

export async function tokenById(db: Database, id: string) {
  return db.query.apiTokens.findFirst({ where: eq(apiTokens.id, id) })
}

/** Tokens of the given kinds whose unit lies inside `unit` (null: all), newest first. */
export async function tokensIn(db: Database, kinds: readonly string[], unit: string | null) {
  return db
    .select()
    .from(apiTokens)
    .where(
      and(
        inArray(apiTokens.kind, [...kinds]),
        unit === null ? sql`1` : inUnit(apiTokens.unit, unit),
      ),
    )
    .orderBy(desc(apiTokens.createdAt))
}

export function revokeTokenStatement(db: Database, id: string, at: string, by: string) {
  return db
    .update(apiTokens)
    .set({ revokedAt: at, revokedBy: by })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
}

/** At most one write per token per `staleBefore` interval, however busy the token is. */
export async function touchToken(db: Database, id: string, at: string, staleBefore: string) {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: at })
    .where(
      and(
        eq(apiTokens.id, id),
        or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, staleBefore)),
      ),
    )
}
