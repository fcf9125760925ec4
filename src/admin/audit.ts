/**
 * The audit log: every change an admin or a token makes, written by the domain function that
 * makes it. Use auditStatement() inside the change's own db.batch() when the counts are known
 * beforehand (the entry then lands with the change or not at all), audit() after it otherwise.
 */
import type { Database } from '../db/client'
import {
  auditActions,
  auditPageStatement,
  insertAuditStatement,
  type AuditRow,
  type NewAuditRow,
} from '../db/audit'
import { AppError, badRequest } from '../errors'
import { isDate } from '../acknowledgements/links'
import { storageUnavailable } from '../acknowledgements/failures'
import { requireAdmin, scopedUnit, type Actor } from './actor'

export type { AuditRow }

/** Who is changing something, within which request, and when. Built once per request. */
export interface AuditBy {
  actor: Actor
  requestId: string
  now: Date
}

/**
 * What changed. `action` is "resource.verb" (roster.import, token.create...); `unit` the subtree
 * the change applied to (null: the whole roster, or nothing unit-bound); `target` the id of what
 * changed; `counts` how many of what.
 */
export interface AuditEntry {
  unit?: string | null
  target?: string | null
  counts?: Record<string, number>
}

export const ACTION_PATTERN = /^[a-z_]+\.[a-z_]+$/

function row(by: AuditBy, action: string, entry: AuditEntry): NewAuditRow {
  if (!ACTION_PATTERN.test(action)) throw new Error(`audit action "${action}" is not resource.verb`)
  return {
    at: by.now.toISOString(),
    requestId: by.requestId,
    actorKind: by.actor.kind,
    actor: by.actor.id,
    action,
    unit: entry.unit ?? null,
    target: entry.target ?? null,
    counts: entry.counts ? JSON.stringify(entry.counts) : null,
  }
}

/** The row as stored, for statements that fill target and counts from SQL (see insertAuditFromStatement). */
export const auditRowOf = (by: AuditBy, action: string, unit: string | null) =>
  row(by, action, { unit })

/** The insert, to put in the same db.batch() as the change it records. */
export function auditStatement(db: Database, by: AuditBy, action: string, entry: AuditEntry = {}) {
  return insertAuditStatement(db, row(by, action, entry))
}

/** Records a change that has already been written (its counts came from the write). */
export async function audit(db: Database, by: AuditBy, action: string, entry: AuditEntry = {}) {
  try {
    await auditStatement(db, by, action, entry).run()
  } catch (error) {
    throw storageUnavailable(error)
  }
}

/**
 * Records a change already written in another database (a shard other than DB cannot share a
 * batch with DB). If the entry cannot be written, the admin is told the truth: the change was
 * saved (`saved` says what, and where) and only its audit entry is missing, so they do not redo it.
 */
export async function auditAfterShardWrite(
  db: Database,
  by: AuditBy,
  action: string,
  entry: AuditEntry,
  saved: string,
) {
  try {
    await audit(db, by, action, entry)
  } catch {
    console.error(JSON.stringify({ event: 'audit_not_recorded', action }))
    throw new AppError(
      503,
      'audit_not_recorded',
      `${saved}, but its entry in the audit log could not be written.`,
      { 'Retry-After': '5' },
    )
  }
}

export interface AuditQuery {
  action?: string
  actor?: string
  unit?: string
  /** YYYY-MM-DD, inclusive. */
  from?: string
  to?: string
  before?: number
  limit?: number
}

export const AUDIT_PAGE = 50

/** Emails and token ids are stored lower-case; ADMIN_TOKEN as written. */
function actorId(raw: string | undefined) {
  const actor = raw?.trim().toLowerCase()
  if (!actor) return undefined
  return actor === 'admin_token' ? 'ADMIN_TOKEN' : actor
}

function checkedFilter(reader: Actor, q: AuditQuery) {
  requireAdmin(reader, reader.unit, 'read')
  for (const [name, value] of [
    ['from', q.from],
    ['to', q.to],
  ] as const)
    if (value && !isDate(value))
      throw badRequest('invalid_date', `${name}: "${value}" is not a date (YYYY-MM-DD).`)
  if (q.action && !ACTION_PATTERN.test(q.action))
    throw badRequest('invalid_action', `action: "${q.action}" is not an action name.`)
  if (q.actor && q.actor.length > 320) throw badRequest('invalid_actor', 'actor: too long.')
  const to = q.to ? new Date(Date.parse(`${q.to}T00:00:00Z`) + 86_400_000).toISOString() : undefined
  return {
    unit: scopedUnit(reader, q.unit, 'read'),
    action: q.action || undefined,
    actor: actorId(q.actor),
    from: q.from ? `${q.from}T00:00:00.000Z` : undefined,
    to,
  }
}

/** One page, newest first, inside the reader's scope; `next` continues it. */
export async function auditPage(db: Database, reader: Actor, q: AuditQuery) {
  const limit = Math.min(Math.max(q.limit ?? AUDIT_PAGE, 1), 500)
  const filter = checkedFilter(reader, q)
  let rows: AuditRow[]
  try {
    rows = await auditPageStatement(db, { ...filter, beforeId: q.before, limit: limit + 1 })
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  const more = rows.length > limit
  const page = rows.slice(0, limit)
  return { rows: page, next: more ? page.at(-1)!.id : null }
}

/** Every row that matches, newest first, in pages: for the CSV export. Checked before it starts. */
export function auditRows(db: Database, reader: Actor, q: AuditQuery): AsyncGenerator<AuditRow> {
  const filter = checkedFilter(reader, q)
  return (async function* () {
    let beforeId: number | undefined
    for (;;) {
      const rows = await auditPageStatement(db, { ...filter, beforeId, limit: 500 })
      yield* rows
      if (rows.length < 500) return
      beforeId = rows.at(-1)!.id
    }
  })()
}

export const AUDIT_COLUMNS = [
  'id',
  'at',
  'actor_kind',
  'actor',
  'action',
  'unit',
  'target',
  'counts',
  'request_id',
] as const
export const auditCells = (r: AuditRow) => [
  r.id,
  r.at,
  r.actorKind,
  r.actor,
  r.action,
  r.unit,
  r.target,
  r.counts,
  r.requestId,
]

export async function knownActions(db: Database): Promise<string[]> {
  try {
    return await auditActions(db)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
}

export const auditCountsOf = (r: AuditRow): Record<string, number> =>
  r.counts ? (JSON.parse(r.counts) as Record<string, number>) : {}
