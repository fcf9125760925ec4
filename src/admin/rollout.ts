/**
 * What admins do to the acknowledgement feature, as the API and the console call it: each
 * operation narrows the unit to the actor's subtree (403 outside it, 403 for a read token that
 * writes) and records its change in the audit log in the same D1 batch as the change.
 */
import { sql } from 'drizzle-orm'
import {
  batchLinks,
  createLinks,
  ensureVersionRegistered,
  linkUrl,
  MAX_EXPIRY_DAYS,
  type LinkRequest,
} from '../acknowledgements/links'
import { storageUnavailable } from '../acknowledgements/failures'
import { extendLog } from '../acknowledgements/checkpoints'
import type { ReceiptKeys } from '../acknowledgements/secrets'
import { countingRange, supersededBy } from '../acknowledgements/policy'
import { isWithin } from '../acknowledgements/roster'
import { requireNotice, requireVersion } from '../content/resolve'
import { linkBatchById, linkBatchesFor } from '../db/links'
import { recordsPerDayStatement } from '../db/acknowledgements'
import { latestCheckpoints } from '../db/checkpoints'
import { AppError } from '../errors'
import { officialFor } from './officials'
import { importRoster } from '../acknowledgements/roster'
import { planChanged, previewRoster } from '../acknowledgements/roster-preview'
import {
  outstanding,
  records,
  versionStatus,
  type RecordsQuery,
  type StatusQuery,
} from '../acknowledgements/status'
import type { Database } from '../db/client'
import { insertAuditFromStatement } from '../db/audit'
import { rosterImports } from '../db/schema'
import { requireAdmin, scopedUnit, type Access, type Actor } from './actor'
import { audit, auditRowOf, auditStatement, type AuditBy } from './audit'

export interface RosterUpload {
  body: string
  format: 'csv' | 'json'
  mode: 'merge' | 'full'
  /** The import's unit; absent: the actor's whole subtree. */
  unit?: string | null
  /** The plan a dry run showed: the import is refused (409) unless it would still do exactly that. */
  plan?: string
}

/** What importRosterAs would do with this upload, writing nothing. */
export function previewRosterAs(db: Database, actor: Actor, upload: RosterUpload) {
  const unit = scopedUnit(actor, upload.unit, 'write')
  return previewRoster(db, { ...upload, unit })
}

export async function importRosterAs(db: Database, by: AuditBy, upload: RosterUpload) {
  const unit = scopedUnit(by.actor, upload.unit, 'write')
  if (upload.plan !== undefined) {
    const now = await previewRoster(db, { ...upload, unit })
    if (now.plan !== upload.plan) throw planChanged()
  }
  return importRoster(db, {
    ...upload,
    unit,
    now: by.now,
    alongside: (importId) => [
      insertAuditFromStatement(db, auditRowOf(by, 'roster.import', unit), {
        target: sql`id`,
        counts: sql`json_object('rows', ${rosterImports.rows}, 'created', ${rosterImports.created}, 'updated', ${rosterImports.updated}, 'reactivated', ${rosterImports.reactivated}, 'deactivated', ${rosterImports.deactivated})`,
        from: sql`${rosterImports} WHERE ${rosterImports.id} = ${importId}`,
      }),
    ],
  })
}

export function createLinksAs(
  db: Database,
  linkKey: CryptoKey,
  by: AuditBy,
  request: Omit<LinkRequest, 'now' | 'alongside'>,
) {
  const unit = scopedUnit(by.actor, request.unit, 'write', 422)
  return createLinks(db, linkKey, {
    ...request,
    unit,
    now: by.now,
    alongside: (batch) => [
      auditStatement(db, by, 'links.create', {
        unit,
        target: batch.id,
        counts: { officials: batch.officials },
      }),
    ],
  })
}

type Scoped<T> = Omit<T, 'unit'> & { unit?: string | null }

export function statusAs(db: Database, actor: Actor, q: Scoped<StatusQuery>) {
  return versionStatus(db, { ...q, unit: scopedUnit(actor, q.unit, 'read') })
}

export function outstandingAs(
  db: Database,
  actor: Actor,
  q: Scoped<Parameters<typeof outstanding>[1]>,
) {
  return outstanding(db, { ...q, unit: scopedUnit(actor, q.unit, 'read') })
}

export function recordsAs(db: Database, actor: Actor, q: Scoped<RecordsQuery>) {
  return records(db, { ...q, unit: scopedUnit(actor, q.unit, 'read') })
}

/** Verification and checkpoints cover every unit's records: for readers of the whole roster. */
export function requireWholeLog(actor: Actor, access: Access) {
  requireAdmin(actor, null, access)
}

/** A batch of links, if it lies inside the actor's subtree (404 otherwise unknown). */
export async function linkBatchAs(db: Database, actor: Actor, id: string) {
  let batch
  try {
    batch = /^[0-9a-f-]{36}$/.test(id) ? await linkBatchById(db, id) : undefined
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  if (!batch) throw new AppError(404, 'batch_not_found', 'There is no such batch of links.')
  requireAdmin(actor, batch.unit, 'read')
  const notice = requireNotice(batch.noticeId)
  return { batch, range: countingRange(notice, batch.version) }
}

/** The batch's links again (the same URLs as when it was made), for the people asked for. */
export async function batchLinksAs(
  db: Database,
  linkKey: CryptoKey,
  actor: Actor,
  id: string,
  o: {
    who: 'outstanding' | 'all'
    baseUrl: string
    after?: { unit: string; id: number }
    pageSize?: number
  },
) {
  const { batch, range } = await linkBatchAs(db, actor, id)
  return { batch, links: batchLinks(db, linkKey, batch, { ...o, ...range }) }
}

/** The batches of a version whose unit lies inside the actor's subtree, newest first. */
export async function linkBatchesAs(db: Database, actor: Actor, notice: string, version: number) {
  try {
    const all = await linkBatchesFor(db, notice, version)
    return all
      .filter((b) => actor.unit === null || (b.unit !== null && isWithin(b.unit, actor.unit)))
      .reverse()
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
}

/**
 * A new link for one official (a lost link): to the version in effect, for `expiresInDays`.
 * Records no batch, so the unit's due date stays what its last batch said; audited.
 */
export async function oneLinkAs(
  db: Database,
  linkKey: CryptoKey,
  by: AuditBy,
  o: {
    officialId: number
    notice: string
    version: number
    expiresInDays: number
    baseUrl: string
  },
) {
  const official = await officialFor(db, by.actor, o.officialId, 'write')
  if (!official.active)
    throw new AppError(
      422,
      'official_inactive',
      'This official is deactivated; reactivate them first.',
    )
  const notice = requireNotice(o.notice)
  const version = requireVersion(notice, o.version)
  const newer = supersededBy(notice, version, by.now)
  if (newer)
    throw new AppError(
      422,
      'version_superseded',
      `Version ${version.version} has been replaced by version ${newer.version}.`,
    )
  if (
    !Number.isInteger(o.expiresInDays) ||
    o.expiresInDays < 1 ||
    o.expiresInDays > MAX_EXPIRY_DAYS
  )
    throw new AppError(
      422,
      'invalid_expiry',
      `expiresInDays must be a whole number from 1 to ${MAX_EXPIRY_DAYS}.`,
    )
  await ensureVersionRegistered(db, version, by.now)
  const expiresAt = Math.floor(by.now.getTime() / 1000) + o.expiresInDays * 86_400
  const url = await linkUrl(linkKey, o.baseUrl, {
    officialId: official.id,
    notice: notice.id,
    version: version.version,
    expiresAt,
  })
  await audit(db, by, 'links.create_one', {
    unit: official.unit,
    target: official.externalId,
    counts: { officials: 1 },
  })
  return {
    official,
    notice: notice.id,
    version: version.version,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
    url,
  }
}

/** Minutes east of UTC of a time zone at a moment (Asia/Shanghai: 480). */
export function zoneOffsetMinutes(zone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(at)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'))
  return Math.round((local - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000)
}

/** Acknowledgements per local day of a version (and those it counts), inside the actor's subtree. */
export async function recordsPerDayAs(
  db: Database,
  actor: Actor,
  q: { notice: string; version: number; unit?: string | null; zone: string; now: Date },
) {
  const unit = scopedUnit(actor, q.unit, 'read')
  const notice = requireNotice(q.notice)
  requireVersion(notice, q.version)
  try {
    return await recordsPerDayStatement(db, {
      noticeId: notice.id,
      ...countingRange(notice, q.version),
      unit,
      offsetMinutes: zoneOffsetMinutes(q.zone, q.now),
    })
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
}

/**
 * Checks the records since the newest checkpoint and signs one over them (whole-log writers
 * only). extendLog stores it itself; the audit entry records that it was, and by whom.
 */
export async function signCheckpointAs(
  db: Database,
  keys: ReceiptKeys,
  by: AuditBy,
  maxRecords: number,
) {
  requireWholeLog(by.actor, 'write')
  const run = await extendLog(db, keys, { now: by.now, maxRecords })
  if (run.newCheckpoint)
    await audit(db, by, 'verify.checkpoint', {
      target: String(run.newCheckpoint.treeSize),
      counts: { added: run.added, records: run.records, problems: run.problemCount },
    })
  return run
}

/** The newest signed checkpoints, newest first (readers of the whole log). */
export async function newestCheckpointsAs(db: Database, actor: Actor, count: number) {
  requireWholeLog(actor, 'read')
  try {
    return await latestCheckpoints(db, count)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
}
