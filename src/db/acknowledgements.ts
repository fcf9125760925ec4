import { and, asc, between, desc, eq, gt, lt, sql, type SQL } from 'drizzle-orm'
import type { Database } from './client'
import { acknowledgements, officials } from './schema'
import { inUnit, selectList, unitPage } from './units'

export type AcknowledgementRow = typeof acknowledgements.$inferSelect
export type NewAcknowledgement = Omit<AcknowledgementRow, 'seq'>

/**
 * Inserts the record unless one exists for (official, notice, version).
 * The NOT EXISTS guard, not only ON CONFLICT, is what keeps seq gapless: SQLite spends an
 * AUTOINCREMENT value on an insert that then hits the UNIQUE index, and a gap in seq is how
 * verification sees a deleted row. D1 runs a batch alone, so guard and insert cannot interleave
 * with another submission. The version must be registered with the same hash, or nothing goes in.
 */
export function insertAcknowledgementStatement(db: Database, row: NewAcknowledgement) {
  const values = Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, sql`${value}`]),
  ) as Record<keyof NewAcknowledgement, SQL>
  return db
    .insert(acknowledgements)
    .select(
      sql`SELECT ${selectList(acknowledgements, { seq: sql`NULL`, ...values })}
        WHERE EXISTS (SELECT 1 FROM notice_versions WHERE notice_id = ${row.noticeId}
            AND version = ${row.version} AND sha256 = ${row.versionSha256})
          AND NOT EXISTS (SELECT 1 FROM acknowledgements WHERE official_id = ${row.officialId}
            AND notice_id = ${row.noticeId} AND version = ${row.version})`,
    )
    .onConflictDoNothing()
}

export function acknowledgementStatement(
  db: Database,
  officialId: number,
  noticeId: string,
  version: number,
) {
  return db
    .select()
    .from(acknowledgements)
    .where(
      and(
        eq(acknowledgements.officialId, officialId),
        eq(acknowledgements.noticeId, noticeId),
        eq(acknowledgements.version, version),
      ),
    )
    .limit(1)
}

/** The official's newest record of a version in [from, to]. */
export function latestAcknowledgementStatement(
  db: Database,
  q: { officialId: number; noticeId: string; from: number; to: number },
) {
  return db
    .select()
    .from(acknowledgements)
    .where(
      and(
        eq(acknowledgements.officialId, q.officialId),
        eq(acknowledgements.noticeId, q.noticeId),
        between(acknowledgements.version, q.from, q.to),
      ),
    )
    .orderBy(desc(acknowledgements.version))
    .limit(1)
}

/**
 * What opening a link needs, in one round trip: the official, and their newest record of a
 * version in [from, to] (one that counts for the link's version), if any.
 */
export async function officialAndRecord(
  db: Database,
  q: { officialId: number; noticeId: string; from: number; to: number },
) {
  const [official, record] = await db.batch([
    db.select().from(officials).where(eq(officials.id, q.officialId)).limit(1),
    latestAcknowledgementStatement(db, q),
  ])
  return { official: official[0], record: record[0] }
}

/** Whether an acknowledgement of any version in [from, to] exists for the official in `o`. */
const acknowledgedIn = (noticeId: string, from: number, to: number) =>
  sql`EXISTS (SELECT 1 FROM acknowledgements a WHERE a.official_id = ${officials.id}
    AND a.notice_id = ${noticeId} AND a.version BETWEEN ${from} AND ${to})`

/** Active roster and how many of them acknowledged a version in [from, to], per unit. */
export function unitCountsStatement(
  db: Database,
  q: { noticeId: string; from: number; to: number; unit?: string | null },
) {
  return db
    .select({
      unit: officials.unit,
      roster: sql<number>`count(*)`,
      acknowledged: sql<number>`sum(${acknowledgedIn(q.noticeId, q.from, q.to)})`,
    })
    .from(officials)
    .where(and(eq(officials.active, true), inUnit(officials.unit, q.unit)))
    .groupBy(officials.unit)
}

/** How many active officials (in a unit) have no acknowledgement of a version in [from, to]. */
export async function countOutstanding(
  db: Database,
  q: { noticeId: string; from: number; to: number; unit?: string | null },
): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(officials)
    .where(
      and(
        eq(officials.active, true),
        inUnit(officials.unit, q.unit),
        sql`NOT ${acknowledgedIn(q.noticeId, q.from, q.to)}`,
      ),
    )
  return row?.n ?? 0
}

/** Active officials with no acknowledgement of a version in [from, to], in (unit, id) order. */
export function outstandingPageStatement(
  db: Database,
  q: {
    noticeId: string
    from: number
    to: number
    unit?: string | null
    after?: { unit: string; id: number }
    limit: number
  },
) {
  return db
    .select({
      id: officials.id,
      externalId: officials.externalId,
      name: officials.name,
      unit: officials.unit,
    })
    .from(officials)
    .where(
      and(
        eq(officials.active, true),
        unitPage(officials.unit, officials.id, q.unit, q.after),
        sql`NOT ${acknowledgedIn(q.noticeId, q.from, q.to)}`,
      ),
    )
    .orderBy(officials.unit, officials.id)
    .limit(q.limit)
}

/** Records in log order after `afterSeq`, optionally of one notice version. */
export function recordsPageStatement(
  db: Database,
  q: { noticeId?: string; version?: number; unit?: string | null; afterSeq: number; limit: number },
) {
  return db
    .select()
    .from(acknowledgements)
    .where(
      and(
        q.noticeId !== undefined ? eq(acknowledgements.noticeId, q.noticeId) : undefined,
        q.version !== undefined ? eq(acknowledgements.version, q.version) : undefined,
        q.unit ? inUnit(acknowledgements.unit, q.unit) : undefined,
        gt(acknowledgements.seq, q.afterSeq),
      ),
    )
    .orderBy(asc(acknowledgements.seq))
    .limit(q.limit)
}

/**
 * The verification walk: records in log order after `afterSeq`, each with the external id of the
 * official its official_id points at. official_id is not part of the signed receipt, so this is
 * how an edit that moves a record to another official shows up.
 */
export function verificationPageStatement(db: Database, q: { afterSeq: number; limit: number }) {
  return db
    .select({ row: acknowledgements, rosterExternalId: officials.externalId })
    .from(acknowledgements)
    .leftJoin(officials, eq(officials.id, acknowledgements.officialId))
    .where(gt(acknowledgements.seq, q.afterSeq))
    .orderBy(asc(acknowledgements.seq))
    .limit(q.limit)
}

/** Rows below seq 1: AUTOINCREMENT never hands those out, so each was written by hand. */
export function recordsOutsideLogStatement(db: Database, limit: number) {
  return db
    .select({ seq: acknowledgements.seq, receiptId: acknowledgements.receiptId })
    .from(acknowledgements)
    .where(lt(acknowledgements.seq, 1))
    .orderBy(asc(acknowledgements.seq))
    .limit(limit)
}

/**
 * Where the log stands, for the receipt about to be signed: the highest seq so far and the newest
 * checkpoint. Two primary-key lookups.
 */
export async function logHead(db: Database) {
  const [row] = await db.all<{
    after: number | null
    treeSize: number | null
    rootHash: string
    createdAt: string
    format: number
    prevHash: string | null
  }>(
    sql`SELECT (SELECT max(seq) FROM acknowledgements) AS after, c.tree_size AS treeSize,
      c.root_hash AS rootHash, c.created_at AS createdAt, c.format AS format, c.prev_hash AS prevHash
      FROM (SELECT 1) LEFT JOIN (SELECT * FROM ack_checkpoints ORDER BY tree_size DESC LIMIT 1) c`,
  )
  const { after = null, treeSize = null, ...checkpoint } = row ?? {}
  return {
    after: after ?? 0,
    checkpoint:
      treeSize === null
        ? null
        : ({ treeSize, ...checkpoint } as {
            treeSize: number
            rootHash: string
            createdAt: string
            format: number
            prevHash: string | null
          }),
  }
}

/**
 * Where the log ends and where SQLite says it has reached: sqlite_sequence keeps the largest seq
 * ever handed out, so rows deleted from the end still leave a trace. Two lookups, no scan.
 */
export async function logEnd(db: Database) {
  const [row] = await db.all<{ maxSeq: number | null; issued: number | null }>(
    sql`SELECT (SELECT max(seq) FROM acknowledgements) AS maxSeq,
      (SELECT seq FROM sqlite_sequence WHERE name = 'acknowledgements') AS issued`,
  )
  return { maxSeq: row?.maxSeq ?? 0, issued: row?.issued ?? 0 }
}

/** The leaf hashes of the records after `afterSeq`, in log order: what a consistency proof needs. */
export function leafHashesStatement(db: Database, q: { afterSeq: number; limit: number }) {
  return db
    .select({ seq: acknowledgements.seq, recordHash: acknowledgements.recordHash })
    .from(acknowledgements)
    .where(gt(acknowledgements.seq, q.afterSeq))
    .orderBy(asc(acknowledgements.seq))
    .limit(q.limit)
}

/** One official's newest records (on acknowledgements_official_version), for their console page. */
export function officialRecordsStatement(db: Database, officialId: number, limit: number) {
  return db
    .select({
      noticeId: acknowledgements.noticeId,
      version: acknowledgements.version,
      acknowledgedAt: acknowledgements.acknowledgedAt,
      typedName: acknowledgements.typedName,
      receiptId: acknowledgements.receiptId,
    })
    .from(acknowledgements)
    .where(eq(acknowledgements.officialId, officialId))
    .orderBy(desc(acknowledgements.version))
    .limit(limit)
}

/**
 * Records of versions [from, to] per local day (the org's zone, as a fixed offset in minutes), on
 * acknowledgements_version; `unit` is the unit on the record, as signed.
 */
export function recordsPerDayStatement(
  db: Database,
  q: { noticeId: string; from: number; to: number; unit?: string | null; offsetMinutes: number },
) {
  const day = sql<string>`date(${acknowledgements.acknowledgedAt}, ${`${q.offsetMinutes >= 0 ? '+' : ''}${q.offsetMinutes} minutes`})`
  return db
    .select({ day, records: sql<number>`count(*)` })
    .from(acknowledgements)
    .where(
      and(
        eq(acknowledgements.noticeId, q.noticeId),
        between(acknowledgements.version, q.from, q.to),
        q.unit ? inUnit(acknowledgements.unit, q.unit) : undefined,
      ),
    )
    .groupBy(day)
    .orderBy(day)
}

/** Everything one official has acknowledged, newest first (on the official/version index). */
export function recordsOfOfficial(db: Database, officialId: number, limit = 50) {
  return db
    .select()
    .from(acknowledgements)
    .where(eq(acknowledgements.officialId, officialId))
    .orderBy(desc(acknowledgements.seq))
    .limit(limit)
}
