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
  requireExpiryDays,
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
import { officialFor, type OfficialRef } from './officials'
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
import { asShards, type Store } from '../db/shards'
import { shardsFor } from '../acknowledgements/sharding'
import { insertAuditFromStatement } from '../db/audit'
import { rosterImports } from '../db/schema'
import { requireAdmin, scopedUnit, type Access, type Actor } from './actor'
import { audit, auditAfterShardWrite, auditRowOf, auditStatement, type AuditBy } from './audit'

export interface RosterUpload {
  body: string
  format: 'csv' | 'json'
  mode: 'merge' | 'full'
  /** The import's unit; absent: the actor's whole subtree. */
  unit?: string | null
  /** The plan a dry run showed: the import is refused (409) unless it would still do exactly that. */
  plan?: string
}

/** What importRosterAs would do with this upload, writing nothing (read from every shard). */
export function previewRosterAs(store: Store, actor: Actor, upload: RosterUpload) {
  const unit = scopedUnit(actor, upload.unit, 'write')
  return previewRoster(store, { ...upload, unit })
}

/**
 * An import written to DB (one shard, or a unit routed to shard 0) has its audit entry in the
 * same batch. One written to another shard cannot (D1 has no batch across databases): its entry
 * goes to DB right after, with the counts the shard's import record holds; should that write
 * fail, the import stands (it is whole in its shard, with its own record) and the admin gets a
 * 503 saying the entry is missing rather than a success. With the plan of a dry run, the import
 * is refused (409) unless the upload would still do exactly that.
 */
export async function importRosterAs(store: Store, by: AuditBy, upload: RosterUpload) {
  const shards = asShards(store)
  const unit = scopedUnit(by.actor, upload.unit, 'write')
  if (upload.plan !== undefined) {
    const now = await previewRoster(shards, { ...upload, unit })
    if (now.plan !== upload.plan) throw planChanged()
  }
  const summary = await importRoster(shards, {
    ...upload,
    unit,
    now: by.now,
    alongside: (importId, shard) =>
      shard.db === shards.control
        ? [
            insertAuditFromStatement(shard.db, auditRowOf(by, 'roster.import', unit), {
              target: sql`id`,
              counts: sql`json_object('rows', ${rosterImports.rows}, 'created', ${rosterImports.created}, 'updated', ${rosterImports.updated}, 'reactivated', ${rosterImports.reactivated}, 'deactivated', ${rosterImports.deactivated})`,
              from: sql`${rosterImports} WHERE ${rosterImports.id} = ${importId}`,
            }),
          ]
        : [],
  })
  if (shards.shard(summary.shard).db !== shards.control)
    await auditAfterShardWrite(
      shards.control,
      by,
      'roster.import',
      {
        unit,
        target: summary.importId,
        counts: {
          rows: summary.rows,
          created: summary.created,
          updated: summary.updated,
          reactivated: summary.reactivated,
          deactivated: summary.deactivated,
        },
      },
      `The roster was imported (import ${summary.importId}, in shard ${summary.shard}; do not import it again). Its own record in that shard (roster_imports) keeps its counts`,
    )
  return summary
}

export function createLinksAs(
  store: Store,
  linkKey: CryptoKey,
  by: AuditBy,
  request: Omit<LinkRequest, 'now' | 'alongside'>,
) {
  const unit = scopedUnit(by.actor, request.unit, 'write', 422)
  // The batch's record is in DB, the control database, and so is its audit entry.
  const db = asShards(store).control
  return createLinks(store, linkKey, {
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

export function statusAs(store: Store, actor: Actor, q: Scoped<StatusQuery>) {
  return versionStatus(store, { ...q, unit: scopedUnit(actor, q.unit, 'read') })
}

export function outstandingAs(
  store: Store,
  actor: Actor,
  q: Scoped<Parameters<typeof outstanding>[1]>,
) {
  return outstanding(store, { ...q, unit: scopedUnit(actor, q.unit, 'read') })
}

export function recordsAs(store: Store, actor: Actor, q: Scoped<RecordsQuery>) {
  return records(store, { ...q, unit: scopedUnit(actor, q.unit, 'read') })
}

/** Verification and checkpoints cover every unit's records: for readers of the whole roster. */
export function requireWholeLog(actor: Actor, access: Access) {
  requireAdmin(actor, null, access)
}

/** A batch of links (in DB), if it lies inside the actor's subtree (404 otherwise unknown). */
export async function linkBatchAs(store: Store, actor: Actor, id: string) {
  const db = asShards(store).control
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
  store: Store,
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
  const { batch, range } = await linkBatchAs(store, actor, id)
  return { batch, links: batchLinks(store, linkKey, batch, { ...o, ...range }) }
}

/** The batches of a version whose unit lies inside the actor's subtree, newest first. */
export async function linkBatchesAs(store: Store, actor: Actor, notice: string, version: number) {
  try {
    const all = await linkBatchesFor(asShards(store).control, notice, version)
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
  store: Store,
  linkKey: CryptoKey,
  by: AuditBy,
  o: {
    official: OfficialRef
    notice: string
    version: number
    expiresInDays: number
    baseUrl: string
  },
) {
  const db = asShards(store).control
  const official = await officialFor(store, by.actor, o.official, 'write')
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
  requireExpiryDays(o.expiresInDays)
  await ensureVersionRegistered(db, version, by.now)
  const expiresAt = Math.floor(by.now.getTime() / 1000) + o.expiresInDays * 86_400
  const url = await linkUrl(linkKey, o.baseUrl, {
    ...(official.shard ? { shard: official.shard } : {}),
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
  store: Store,
  actor: Actor,
  q: { notice: string; version: number; unit?: string | null; zone: string; now: Date },
) {
  const unit = scopedUnit(actor, q.unit, 'read')
  const notice = requireNotice(q.notice)
  requireVersion(notice, q.version)
  const query = {
    noticeId: notice.id,
    ...countingRange(notice, q.version),
    unit,
    offsetMinutes: zoneOffsetMinutes(q.zone, q.now),
  }
  let perShard
  try {
    const inScope = await shardsFor(asShards(store), unit)
    perShard = await Promise.all(inScope.map((shard) => recordsPerDayStatement(shard.db, query)))
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  // Each shard counts its own records; a day's figure is their sum, days in order.
  const byDay = new Map<string, number>()
  for (const rows of perShard)
    for (const row of rows) byDay.set(row.day, (byDay.get(row.day) ?? 0) + Number(row.records))
  return [...byDay]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([day, records]) => ({ day, records }))
}

/**
 * Checks a shard's records since its newest checkpoint and signs one over them (whole-log
 * writers only); each shard has its own log, 0 (DB) unless asked. extendLog stores it itself;
 * the audit entry (in DB, with the console's) records that it was, in which shard, and by whom.
 */
export async function signCheckpointAs(
  store: Store,
  keys: ReceiptKeys,
  by: AuditBy,
  maxRecords: number,
  shardIndex = 0,
) {
  requireWholeLog(by.actor, 'write')
  const shards = asShards(store)
  const shard = shards.requested(shardIndex)
  const run = await extendLog(shard.db, keys, { now: by.now, maxRecords })
  if (run.newCheckpoint)
    await audit(shards.control, by, 'verify.checkpoint', {
      target:
        shards.count > 1
          ? `${shard.index}/${run.newCheckpoint.treeSize}`
          : String(run.newCheckpoint.treeSize),
      counts: { added: run.added, records: run.records, problems: run.problemCount },
    })
  return run
}

/** The newest signed checkpoints, newest first (readers of the whole log). */
export async function newestCheckpointsAs(
  store: Store,
  actor: Actor,
  count: number,
  shardIndex = 0,
) {
  requireWholeLog(actor, 'read')
  const shard = asShards(store).requested(shardIndex)
  try {
    return await latestCheckpoints(shard.db, count)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
}
