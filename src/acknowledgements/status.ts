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
  unitCountsStatement,
  type AcknowledgementRow,
} from '../db/acknowledgements'
import { linkBatchesFor, type LinkBatch } from '../db/links'
import { AppError } from '../errors'
import { storageUnavailable } from './failures'
import { isDate } from './links'
import { countingRange } from './policy'
import { isWithin, normaliseUnit } from './roster'

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

export async function versionStatus(
  db: Database,
  q: StatusQuery,
  lookup: NoticeLookup = requireNotice,
): Promise<VersionStatus> {
  const scope = resolveScope(q, lookup)
  const [groups, batches] = await Promise.all([
    unitCountsStatement(db, scope),
    linkBatchesFor(db, scope.noticeId, scope.version),
  ])
  const dueFor = dueDateFinder(batches, q.due)
  const today = q.now.toISOString().slice(0, 10)
  const nodes = new Map<string, UnitStatus>()
  const totals: Counts = { roster: 0, acknowledged: 0, outstanding: 0, overdue: 0 }
  for (const group of groups) {
    const roster = Number(group.roster)
    const acknowledged = Number(group.acknowledged)
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
  db: Database,
  q: StatusQuery & { after?: { unit: string; id: number }; pageSize?: number },
  lookup: NoticeLookup = requireNotice,
): AsyncGenerator<OutstandingOfficial> {
  const scope = resolveScope(q, lookup)
  checkDue(q.due)
  return outstandingRows(db, scope, q)
}

async function* outstandingRows(
  db: Database,
  scope: Scope,
  q: StatusQuery & { after?: { unit: string; id: number }; pageSize?: number },
): AsyncGenerator<OutstandingOfficial> {
  const dueFor = dueDateFinder(await linkBatchesFor(db, scope.noticeId, scope.version), q.due)
  const today = q.now.toISOString().slice(0, 10)
  const pageSize = q.pageSize ?? 1000
  let after = q.after
  for (;;) {
    const page = await outstandingPageStatement(db, { ...scope, after, limit: pageSize })
    for (const official of page) {
      const due = dueFor(official.unit)
      yield { ...official, dueDate: due, overdue: due !== null && today > due }
    }
    const last = page.at(-1)
    if (!last || page.length < pageSize) return
    after = { unit: last.unit, id: last.id }
  }
}

export interface RecordsQuery {
  notice?: string
  version?: number
  /** Only records signed by officials of this subtree (the unit on the record). */
  unit?: string | null
  afterSeq?: number
  pageSize?: number
}

/** Records in log order after a seq cursor, optionally of one notice version (checked first). */
export function records(db: Database, q: RecordsQuery): AsyncGenerator<AcknowledgementRow> {
  if (q.notice !== undefined) {
    const notice = requireNotice(q.notice)
    if (q.version !== undefined) requireVersion(notice, q.version)
  }
  return recordRows(db, q)
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
