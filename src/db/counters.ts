/**
 * Live counters, one set per shard: active officials per unit (roster_counts) and, per counting
 * class of a notice and unit, how many of them have an acknowledgement that counts
 * (ack_counts). Every statement here goes into the same db.batch() as the write it accounts for,
 * ahead of that write where it has to see the rows as they were: D1 runs a batch alone and
 * whole, so a counter and the rows it counts never disagree.
 */
import { and, eq, gt, inArray, sql, type SQL } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { Database } from './client'
import { ackCounts, countersReady, rosterCounts } from './schema'
import { inUnit } from './units'

/**
 * A counting class: the versions `baseline` to `last` of a notice, whose acknowledgements all
 * count for each other (no material change between them). `baseline` names it.
 */
export interface CountingClass {
  noticeId: string
  baseline: number
  last: number
}

/** Every class as one JSON parameter: [[notice, baseline, last], ...]. */
export const classesParameter = (classes: readonly CountingClass[]) =>
  JSON.stringify(classes.map((c) => [c.noticeId, c.baseline, c.last]))

export const ROSTER_COUNTER = 'roster'
export const classCounter = (noticeId: string, baseline: number) => `ack/${noticeId}/${baseline}`

const addToRoster = sql`${rosterCounts.active} + excluded.active`
const addToAcknowledged = sql`${ackCounts.acknowledged} + excluded.acknowledged`

/**
 * The counter changes for officials about to change: `target` is a SELECT of (id, unit, active)
 * giving, for each official it names, the unit and state they are about to have (id NULL: an
 * official about to be created). Put these before the write that makes the change: they read
 * the officials as they are. An official leaving a unit (moved, or deactivated) takes one off its
 * roster and off every class they have an acknowledgement in; arriving (moved, created,
 * reactivated) adds them there. `classes` is classesParameter() of every notice.
 */
export function transitionStatements(
  db: Database,
  target: SQL,
  classes: string,
): BatchItem<'sqlite'>[] {
  // Every join below starts from the changed officials (t, c) and finds each by id: CROSS JOIN
  // fixes that order. Left to itself, SQLite (D1's, with the chunk a bound parameter) scanned
  // every active official through (active, unit) for each chunk, so a roster import slowed down
  // with the size of the roster: 2,500 rows took 1.8 s into an empty database and 30-38 s into
  // one of 10,000-15,000 (scripts/bench-scale.ts, docs/scale.md).
  const leaving = sql`o.active = 1 AND (t.active = 0 OR t.unit IS NOT o.unit)`
  const arriving = sql`t.active = 1 AND (o.id IS NULL OR o.active = 0 OR t.unit IS NOT o.unit)`
  const roster = db
    .insert(rosterCounts)
    .select(
      sql`WITH t(id, unit, active) AS (${target})
        SELECT unit, sum(delta) FROM (
          SELECT o.unit AS unit, -1 AS delta FROM t CROSS JOIN officials o ON o.id = t.id WHERE ${leaving}
          UNION ALL
          SELECT t.unit, 1 FROM t LEFT JOIN officials o ON o.id = t.id WHERE ${arriving}
        ) WHERE true GROUP BY unit HAVING sum(delta) <> 0`,
    )
    .onConflictDoUpdate({ target: rosterCounts.unit, set: { active: addToRoster } })
  // The classes each official has an acknowledgement in, once per class however many records.
  // CROSS JOIN: from each official to their records (by official id), never from every record
  // of a version to the officials.
  const acknowledged = db
    .insert(ackCounts)
    .select(
      sql`WITH t(id, unit, active) AS (${target}),
          k(notice_id, baseline, last) AS (
            SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(${classes})),
          c(id, notice_id, baseline) AS (
            SELECT DISTINCT t.id, k.notice_id, k.baseline FROM t CROSS JOIN k
            CROSS JOIN acknowledgements a ON a.official_id = t.id
              AND a.notice_id = k.notice_id AND a.version BETWEEN k.baseline AND k.last)
        SELECT notice_id, baseline, unit, sum(delta) FROM (
          SELECT c.notice_id AS notice_id, c.baseline AS baseline, o.unit AS unit, -1 AS delta
            FROM c CROSS JOIN t ON t.id = c.id CROSS JOIN officials o ON o.id = c.id WHERE ${leaving}
          UNION ALL
          SELECT c.notice_id, c.baseline, t.unit, 1
            FROM c CROSS JOIN t ON t.id = c.id CROSS JOIN officials o ON o.id = c.id WHERE ${arriving}
        ) WHERE true GROUP BY notice_id, baseline, unit HAVING sum(delta) <> 0`,
    )
    .onConflictDoUpdate({
      target: [ackCounts.noticeId, ackCounts.baseline, ackCounts.unit],
      set: { acknowledged: addToAcknowledged },
    })
  return [roster, acknowledged]
}

/**
 * Right after the insert of an acknowledgement, in its batch: one more acknowledged in the
 * official's unit, if the insert wrote a row (changes() is that statement's count, so a retry or
 * a redelivery that finds the record already there adds nothing), the official is active, and no
 * other record of theirs in the class already counted them.
 */
export function acknowledgedStatement(
  db: Database,
  q: { officialId: number; receiptId: string; counting: CountingClass },
) {
  const { noticeId, baseline, last } = q.counting
  return db
    .insert(ackCounts)
    .select(
      sql`SELECT ${noticeId}, ${baseline}, o.unit, 1 FROM officials o
        WHERE changes() = 1 AND o.id = ${q.officialId} AND o.active = 1
          AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.official_id = ${q.officialId}
            AND a.notice_id = ${noticeId} AND a.version BETWEEN ${baseline} AND ${last}
            AND a.receipt_id <> ${q.receiptId})`,
    )
    .onConflictDoUpdate({
      target: [ackCounts.noticeId, ackCounts.baseline, ackCounts.unit],
      set: { acknowledged: addToAcknowledged },
    })
}

/** One round trip: which of the two counters are ready, and their rows in the unit subtree. */
export function readCountersStatements(
  db: Database,
  q: { counting: CountingClass; unit: string | null },
) {
  const { noticeId, baseline } = q.counting
  return [
    db
      .select({ counter: countersReady.counter })
      .from(countersReady)
      .where(inArray(countersReady.counter, [ROSTER_COUNTER, classCounter(noticeId, baseline)])),
    db
      .select({ unit: rosterCounts.unit, active: rosterCounts.active })
      .from(rosterCounts)
      .where(and(inUnit(rosterCounts.unit, q.unit), gt(rosterCounts.active, 0))),
    db
      .select({ unit: ackCounts.unit, acknowledged: ackCounts.acknowledged })
      .from(ackCounts)
      .where(
        and(
          eq(ackCounts.noticeId, noticeId),
          eq(ackCounts.baseline, baseline),
          inUnit(ackCounts.unit, q.unit),
          gt(ackCounts.acknowledged, 0),
        ),
      ),
  ] as const
}

/**
 * Counts the roster and a class from the rows, once: each statement does nothing when the
 * counter is already marked ready, so concurrent first readers cannot count twice, and whatever
 * a write added to a counter before it was counted is replaced by the count.
 */
export function countOnceStatements(
  db: Database,
  q: { counting: CountingClass; now: string },
): BatchItem<'sqlite'>[] {
  const { noticeId, baseline, last } = q.counting
  const counter = classCounter(noticeId, baseline)
  const unready = (name: string) =>
    sql`NOT EXISTS (SELECT 1 FROM ${countersReady} WHERE ${countersReady.counter} = ${name})`
  return [
    db.delete(rosterCounts).where(unready(ROSTER_COUNTER)),
    db.insert(rosterCounts).select(
      sql`SELECT unit, count(*) FROM officials WHERE active = 1 AND ${unready(ROSTER_COUNTER)}
          GROUP BY unit`,
    ),
    db
      .insert(countersReady)
      .values({ counter: ROSTER_COUNTER, countedAt: q.now })
      .onConflictDoNothing(),
    db
      .delete(ackCounts)
      .where(
        and(eq(ackCounts.noticeId, noticeId), eq(ackCounts.baseline, baseline), unready(counter)),
      ),
    db.insert(ackCounts).select(
      sql`SELECT ${noticeId}, ${baseline}, o.unit, count(*) FROM officials o
          WHERE o.active = 1 AND ${unready(counter)} AND EXISTS (SELECT 1 FROM acknowledgements a
            WHERE a.official_id = o.id AND a.notice_id = ${noticeId}
              AND a.version BETWEEN ${baseline} AND ${last})
          GROUP BY o.unit`,
    ),
    db.insert(countersReady).values({ counter, countedAt: q.now }).onConflictDoNothing(),
  ]
}
