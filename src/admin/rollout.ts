/**
 * What admins do to the acknowledgement feature, as the API and the console call it: each
 * operation narrows the unit to the actor's subtree (403 outside it, 403 for a read token that
 * writes) and records its change in the audit log in the same D1 batch as the change.
 */
import { sql } from 'drizzle-orm'
import { createLinks, type LinkRequest } from '../acknowledgements/links'
import { importRoster } from '../acknowledgements/roster'
import {
  outstanding,
  records,
  versionStatus,
  type RecordsQuery,
  type StatusQuery,
} from '../acknowledgements/status'
import { insertAuditFromStatement } from '../db/audit'
import { AppError } from '../errors'
import { asShards, type Store } from '../db/shards'
import { rosterImports } from '../db/schema'
import { requireAdmin, scopedUnit, type Access, type Actor } from './actor'
import { audit, auditRowOf, auditStatement, type AuditBy } from './audit'

export interface RosterUpload {
  body: string
  format: 'csv' | 'json'
  mode: 'merge' | 'full'
  /** The import's unit; absent: the actor's whole subtree. */
  unit?: string | null
}

/**
 * An import written to DB (one shard, or a unit routed to shard 0) has its audit entry in the
 * same batch. One written to another shard cannot (D1 has no batch across databases): its entry
 * goes to DB right after, with the counts the shard's import record holds; should that write
 * fail, the import stands (it is whole in its shard, with its own record) and the admin gets a
 * 503 saying the entry is missing rather than a success.
 */
export async function importRosterAs(store: Store, by: AuditBy, upload: RosterUpload) {
  const shards = asShards(store)
  const unit = scopedUnit(by.actor, upload.unit, 'write')
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
    try {
      await audit(shards.control, by, 'roster.import', {
        unit,
        target: summary.importId,
        counts: {
          rows: summary.rows,
          created: summary.created,
          updated: summary.updated,
          reactivated: summary.reactivated,
          deactivated: summary.deactivated,
        },
      })
    } catch {
      // audit() says nothing was saved; the import was, so the admin is told that instead.
      console.error(JSON.stringify({ event: 'audit_not_recorded', action: 'roster.import' }))
      throw new AppError(
        503,
        'audit_not_recorded',
        `The roster was imported (import ${summary.importId}, in shard ${summary.shard}; do not import it again), but its entry in the audit log could not be written. Its own record in that shard (roster_imports) keeps its counts.`,
        { 'Retry-After': '5' },
      )
    }
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
