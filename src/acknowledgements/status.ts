/**
 * What administrators read: per-unit status with nested totals, the outstanding officials and
 * the records. An acknowledgement counts for version N when it is of N or of an earlier version
 * that no material change separates from N (see policy.ts).
 */
import { requireNotice, requireVersion, type NoticeLookup } from '../content/resolve'
import type { Database } from '../db/client'
import {
  outstandingPageStatement,
  recordsPageStatement,
  type AcknowledgementRow,
} from '../db/acknowledgements'
import type { CountingClass } from '../db/counters'
import { linkBatchesFor, type LinkBatch } from '../db/links'
import { asShards, type Shard, type Store } from '../db/shards'
import { AppError } from '../errors'
import { unitCounts } from './counters'
import { storageUnavailable } from './failures'
import { isDate } from './links'
import { countingRange } from './policy'
import { isWithin, normaliseUnit } from './roster'
import { shardsFor } from './sharding'

export interface StatusQuery {
  notice: string
  version: number
  unit?: string | null
  /** Overrides the due dates recorded with the links. */
  due?: string | null
  now: Date
}

export interface Counts {
  roster: number
  acknowledged: number
  outstanding: number
  overdue: number
}

export interface UnitStatus extends Counts {
  unit: string
  depth: number
  /** Due date of the links that covered this unit (the most recent batch), if any. */
  dueDate: string | null
}

export interface VersionStatus {
  notice: string
  version: number
  /** Acknowledgements of versions from..to count for this version. */
  counts: { from: number; to: number }
  unit: string | null
  asOf: string
  totals: Counts & { dueDate: string | null }
  units: UnitStatus[]
}

interface Scope {
  noticeId: string
  version: number
  from: number
  to: number
  unit: string | null
}

/** The counters that count for a scope's version: its counting class. */
export const classOfScope = (scope: Scope): CountingClass => ({
  noticeId: scope.noticeId,
  baseline: scope.from,
  last: scope.to,
})

export function resolveScope(
  q: { notice: string; version: number; unit?: string | null },
  lookup: NoticeLookup = requireNotice,
): Scope {
  const notice = lookup(q.notice)
  const version = requireVersion(notice, q.version)
  let unit: string | null = null
  if (q.unit) {
    const normal = normaliseUnit(q.unit)
    if ('problem' in normal) throw new AppError(400, 'invalid_unit', normal.problem)
    unit = normal.unit
  }
  return {
    noticeId: notice.id,
    version: version.version,
    ...countingRange(notice, version.version),
    unit,
  }
}

function checkDue(due: string | null | undefined) {
  if (due && !isDate(due))
    throw new AppError(400, 'invalid_due_date', `"${due}" is not a date (YYYY-MM-DD).`)
}

/** The due date for a unit: the query's, else the latest batch of links that reached it. */
function dueDateFinder(batches: LinkBatch[], override: string | null | undefined) {
  checkDue(override)
  if (override) return () => override
  const dated = batches.filter((b) => b.dueDate).reverse()
  return (unit: string) => dated.find((b) => isWithin(unit, b.unit))?.dueDate ?? null
}

const ancestors = (unit: string) =>
  unit.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'))

/**
 * Status by unit with nested totals, from the live counters: at most one row per unit and shard
 * is read, however many officials (the `store` is the shards, or one database for one shard).
 */
export async function versionStatus(
  store: Store,
  q: StatusQuery,
  lookup: NoticeLookup = requireNotice,
): Promise<VersionStatus> {
  const scope = resolveScope(q, lookup)
  checkDue(q.due)
  const shards = asShards(store)
  const [groups, batches] = await Promise.all([
    shardsFor(shards, scope.unit).then((inScope) =>
      unitCounts(inScope, { counting: classOfScope(scope), unit: scope.unit, now: q.now }),
    ),
    linkBatchesFor(shards.control, scope.noticeId, scope.version),
  ])
  const dueFor = dueDateFinder(batches, q.due)
  const today = q.now.toISOString().slice(0, 10)
  const nodes = new Map<string, UnitStatus>()
  const totals: Counts = { roster: 0, acknowledged: 0, outstanding: 0, overdue: 0 }
  for (const group of groups) {
    const roster = group.roster
    const acknowledged = group.acknowledged
    const outstanding = roster - acknowledged
    const due = dueFor(group.unit)
    const overdue = due && today > due ? outstanding : 0
    for (const counts of [
      totals,
      ...ancestors(group.unit)
        .filter((u) => isWithin(u, scope.unit))
        .map((u) => {
          let node = nodes.get(u)
          if (!node) {
            node = {
              unit: u,
              depth: u.split('/').length,
              dueDate: dueFor(u),
              roster: 0,
              acknowledged: 0,
              outstanding: 0,
              overdue: 0,
            }
            nodes.set(u, node)
          }
          return node
        }),
    ]) {
      counts.roster += roster
      counts.acknowledged += acknowledged
      counts.outstanding += outstanding
      counts.overdue += overdue
    }
  }
  return {
    notice: scope.noticeId,
    version: scope.version,
    counts: { from: scope.from, to: scope.to },
    unit: scope.unit,
    asOf: q.now.toISOString(),
    totals: { ...totals, dueDate: scope.unit ? dueFor(scope.unit) : dueFor('') },
    units: [...nodes.values()].sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0)),
  }
}

export interface OutstandingOfficial {
  id: number
  /** The shard the official is in: ids are numbered per shard. */
  shard: number
  externalId: string
  name: string
  unit: string
  dueDate: string | null
  overdue: boolean
}

/**
 * Outstanding officials in (unit, id) order, pages of `pageSize`, from an optional cursor. The
 * query is checked before this returns, so a CSV export of a bad query never starts as a 200.
 */
export function outstanding(
  store: Store,
  q: StatusQuery & { after?: { unit: string; id: number }; pageSize?: number },
  lookup: NoticeLookup = requireNotice,
): AsyncGenerator<OutstandingOfficial> {
  const scope = resolveScope(q, lookup)
  checkDue(q.due)
  return outstandingRows(asShards(store), scope, q)
}

/** One shard's outstanding officials in (unit, id) order, a page at a time. */
export async function* shardOutstanding(
  shard: Shard,
  scope: Scope,
  after: { unit: string; id: number } | undefined,
  pageSize: number,
): AsyncGenerator<{ id: number; shard: number; externalId: string; name: string; unit: string }> {
  for (;;) {
    const page = await outstandingPageStatement(shard.db, { ...scope, after, limit: pageSize })
    for (const official of page) yield { ...official, shard: shard.index }
    const last = page.at(-1)
    if (!last || page.length < pageSize) return
    after = { unit: last.unit, id: last.id }
  }
}

const byUnitThenId = (a: { unit: string; id: number }, b: { unit: string; id: number }) =>
  a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.id - b.id

/**
 * The items of several sorted streams in one sorted stream. Each shard lists its officials in
 * (unit, id) order and a unit lives in one shard, so the merge is in (unit, id) order too, and a
 * (unit, id) cursor continues it.
 */
export async function* mergeSorted<T>(
  streams: AsyncGenerator<T>[],
  compare: (a: T, b: T) => number,
): AsyncGenerator<T> {
  const heads = await Promise.all(streams.map((s) => s.next()))
  try {
    for (;;) {
      let best = -1
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i]!
        if (head.done) continue
        if (best < 0 || compare(head.value, (heads[best] as IteratorYieldResult<T>).value) < 0)
          best = i
      }
      if (best < 0) return
      yield (heads[best] as IteratorYieldResult<T>).value
      heads[best] = await streams[best]!.next()
    }
  } finally {
    await Promise.all(streams.map((s) => s.return(undefined)))
  }
}

/** Outstanding officials of every shard of the scope, merged in (unit, id) order. */
export async function* outstandingAcross(
  shards: readonly Shard[],
  scope: Scope,
  after: { unit: string; id: number } | undefined,
  pageSize: number,
) {
  yield* mergeSorted(
    shards.map((shard) => shardOutstanding(shard, scope, after, pageSize)),
    byUnitThenId,
  )
}

async function* outstandingRows(
  shards: ReturnType<typeof asShards>,
  scope: Scope,
  q: StatusQuery & { after?: { unit: string; id: number }; pageSize?: number },
): AsyncGenerator<OutstandingOfficial> {
  const [batches, inScope] = await Promise.all([
    linkBatchesFor(shards.control, scope.noticeId, scope.version),
    shardsFor(shards, scope.unit),
  ])
  const dueFor = dueDateFinder(batches, q.due)
  const today = q.now.toISOString().slice(0, 10)
  for await (const official of outstandingAcross(inScope, scope, q.after, q.pageSize ?? 1000)) {
    const due = dueFor(official.unit)
    yield { ...official, dueDate: due, overdue: due !== null && today > due }
  }
}

/**
 * Records of one shard (0 unless given) in its log order after a seq cursor, optionally of one
 * notice version (checked first): each shard numbers its own log.
 */
export interface RecordsQuery {
  notice?: string
  version?: number
  /** Only records signed by officials of this subtree (the unit on the record). */
  unit?: string | null
  afterSeq?: number
  pageSize?: number
  /** The shard whose log to read (default 0, DB): each shard numbers its own log. */
  shard?: number
}

export function records(store: Store, q: RecordsQuery): AsyncGenerator<AcknowledgementRow> {
  if (q.notice !== undefined) {
    const notice = requireNotice(q.notice)
    if (q.version !== undefined) requireVersion(notice, q.version)
  }
  return recordRows(asShards(store).requested(q.shard ?? 0).db, q)
}

async function* recordRows(db: Database, q: RecordsQuery): AsyncGenerator<AcknowledgementRow> {
  const pageSize = q.pageSize ?? 1000
  let afterSeq = q.afterSeq ?? 0
  for (;;) {
    const page = await recordsPageStatement(db, {
      noticeId: q.notice,
      version: q.version,
      unit: q.unit,
      afterSeq,
      limit: pageSize,
    })
    yield* page
    const last = page.at(-1)
    if (!last || page.length < pageSize) return
    afterSeq = last.seq
  }
}

/** Takes at most `limit` items: a JSON page, with the cursor to continue from. */
export async function take<T>(items: AsyncGenerator<T>, limit: number): Promise<T[]> {
  const out: T[] = []
  if (limit <= 0) return out
  for await (const item of items) {
    out.push(item)
    if (out.length >= limit) break
  }
  return out
}

/**
 * The date by which one official should acknowledge a version, as the status reports count it:
 * that of the latest batch of links with a due date that reached their unit; null without one.
 */
export async function dueDateForOfficial(
  db: Database,
  noticeId: string,
  version: number,
  unit: string,
): Promise<string | null> {
  let batches: LinkBatch[]
  try {
    batches = await linkBatchesFor(db, noticeId, version)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  return dueDateFinder(batches, null)(unit)
}
