/**
 * The live counters, read: status is a read of at most one row per unit and shard, not a count
 * of officials. Which acknowledgements count for a version is the policy's counting range; its
 * first version (the baseline) names the counting class the counters are kept for, so editorial
 * versions share the counters of the version they follow and a material one starts afresh.
 */
import { listNotices } from '../content/catalog'
import type { CompiledNotice } from '../content/types'
import { batchAll } from '../db/batch'
import type { Database } from '../db/client'
import {
  classesParameter,
  classCounter,
  countOnceStatements,
  readCountersStatements,
  ROSTER_COUNTER,
  type CountingClass,
} from '../db/counters'
import type { Shard } from '../db/shards'
import { storageUnavailable } from './failures'
import { countingRange } from './policy'

/** The class whose counters count for `version`. */
export function countingClass(notice: CompiledNotice, version: number): CountingClass {
  const { from, to } = countingRange(notice, version)
  return { noticeId: notice.id, baseline: from, last: to }
}

/** Every counting class of these notices (by default all that are published). */
export function countingClasses(
  notices: readonly CompiledNotice[] = listNotices(),
): CountingClass[] {
  const classes: CountingClass[] = []
  for (const notice of notices)
    for (const version of notice.versions) {
      const c = countingClass(notice, version.version)
      if (c.baseline === version.version) classes.push(c)
    }
  return classes
}

/** classesParameter of every class of these notices: what roster changes need. */
export const allClasses = (notices?: readonly CompiledNotice[]) =>
  classesParameter(countingClasses(notices))

export interface UnitCount {
  unit: string
  roster: number
  acknowledged: number
}

async function readOnce(db: Database, counting: CountingClass, unit: string | null) {
  const [ready, roster, acknowledged] = await db.batch(
    readCountersStatements(db, { counting, unit }),
  )
  const marked = new Set(ready.map((r) => r.counter))
  return {
    ready:
      marked.has(ROSTER_COUNTER) && marked.has(classCounter(counting.noticeId, counting.baseline)),
    roster,
    acknowledged,
  }
}

/**
 * Roster and acknowledged per unit of a subtree, in one shard. The first read of a class (or of
 * a shard's roster) counts it from the rows once and marks it; from then on the writes keep it.
 */
export async function shardUnitCounts(
  db: Database,
  q: { counting: CountingClass; unit: string | null; now: Date },
): Promise<UnitCount[]> {
  let read
  try {
    read = await readOnce(db, q.counting, q.unit)
    if (!read.ready) {
      await batchAll(
        db,
        countOnceStatements(db, { counting: q.counting, now: q.now.toISOString() }),
      )
      read = await readOnce(db, q.counting, q.unit)
    }
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  const byUnit = new Map<string, UnitCount>()
  for (const r of read.roster)
    byUnit.set(r.unit, { unit: r.unit, roster: r.active, acknowledged: 0 })
  for (const r of read.acknowledged) {
    const entry = byUnit.get(r.unit) ?? { unit: r.unit, roster: 0, acknowledged: 0 }
    entry.acknowledged = r.acknowledged
    byUnit.set(r.unit, entry)
  }
  return [...byUnit.values()]
}

/** The same over several shards (a unit lives in one shard, so their units do not overlap). */
export async function unitCounts(
  shards: readonly Shard[],
  q: { counting: CountingClass; unit: string | null; now: Date },
): Promise<UnitCount[]> {
  const perShard = await Promise.all(shards.map((shard) => shardUnitCounts(shard.db, q)))
  const byUnit = new Map<string, UnitCount>()
  for (const counts of perShard)
    for (const c of counts) {
      const entry = byUnit.get(c.unit)
      if (entry) {
        entry.roster += c.roster
        entry.acknowledged += c.acknowledged
      } else byUnit.set(c.unit, { ...c })
    }
  return [...byUnit.values()]
}
