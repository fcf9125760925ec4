/**
 * What admins do to the acknowledgement feature, as the API and the console call it: each
 * operation narrows the unit to the actor's subtree (403 outside it, 403 for a read token that
 * writes) and records its change in the audit log in the same D1 batch as the change.
 */
import { sql } from 'drizzle-orm'
import { createLinks, type LinkRequest } from '../acknowledgements/links'
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
import { auditRowOf, auditStatement, type AuditBy } from './audit'

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
