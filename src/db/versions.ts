import { sql } from 'drizzle-orm'
import type { CompiledVersion } from '../content/types'
import type { Database } from './client'
import { noticeVersions } from './schema'

/** What registering a version takes: its number, hash and date. */
export type VersionRegistration = Pick<
  CompiledVersion,
  'notice' | 'version' | 'sha256' | 'effectiveFrom'
>

/** Records a published version once; a second call with a different hash is refused by the caller. */
export function registerVersionStatement(db: Database, version: VersionRegistration, now: Date) {
  return db
    .insert(noticeVersions)
    .values({
      noticeId: version.notice,
      version: version.version,
      sha256: version.sha256,
      effectiveFrom: version.effectiveFrom,
      registeredAt: now.toISOString(),
    })
    .onConflictDoNothing()
}

export async function registeredVersion(db: Database, noticeId: string, version: number) {
  return db.query.noticeVersions.findFirst({
    where: (v, { and, eq }) => and(eq(v.noticeId, noticeId), eq(v.version, version)),
  })
}

export async function registeredVersionCount(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(noticeVersions)
  return row?.n ?? 0
}
