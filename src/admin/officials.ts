/**
 * One official at a time, as the console changes them: search (by external id or a name prefix),
 * edit name and unit (a misspelt roster name is fixed at once: the name check compares with it),
 * deactivate and reactivate. Every change is scoped (the official's unit, and for a move the new
 * one too) and lands in one batch with its audit entry.
 */
import { eq } from 'drizzle-orm'
import { storageUnavailable } from '../acknowledgements/failures'
import { cleanText } from '../acknowledgements/names'
import { normaliseUnit } from '../acknowledgements/roster'
import type { Database } from '../db/client'
import { officialRecordsStatement } from '../db/acknowledgements'
import {
  officialByExternalIdStatement,
  officialsByNameStatement,
  officialsByUnitStatement,
  type Official,
} from '../db/officials'
import { officials } from '../db/schema'
import { AppError } from '../errors'
import { requireAdmin, scopedUnit, type Actor } from './actor'
import { auditStatement, type AuditBy } from './audit'

export const OFFICIALS_PAGE = 50

export interface OfficialSearch {
  /** An external id (exact) or the start of a name. */
  q?: string
  unit?: string | null
  status?: 'active' | 'inactive'
  /** The cursor of the previous page. */
  after?: string
  limit?: number
}

export type OfficialView = Pick<
  Official,
  'id' | 'externalId' | 'name' | 'unit' | 'active' | 'updatedAt' | 'deactivatedAt'
>

/** Cursors: "u:<id>:<unit>" in (unit, id) order, "n:<id>:<name>" in (name, id) order. */
function readCursor(text: string | undefined, kind: 'u' | 'n') {
  if (!text) return undefined
  const match = /^([un]):([1-9][0-9]{0,15}):(.*)$/s.exec(text)
  if (!match || match[1] !== kind)
    throw new AppError(400, 'invalid_cursor', 'after: not a cursor this page made.')
  return { id: Number(match[2]), key: match[3]! }
}

/**
 * A page of officials inside the actor's subtree. Without `q`: by unit on (active, unit); with
 * `q`: the official with that external id (unique index) and those whose name starts with it
 * (officials_name), in name order; U+10FFFF sorts after any character a name goes on with.
 */
export async function searchOfficials(db: Database, actor: Actor, s: OfficialSearch) {
  const unit = scopedUnit(actor, s.unit, 'read')
  const limit = s.limit ?? OFFICIALS_PAGE
  const active = s.status !== 'inactive'
  const q = cleanText(s.q ?? '')
  try {
    if (!q) {
      const cursor = readCursor(s.after, 'u')
      const page = await officialsByUnitStatement(db, {
        active,
        unit,
        after: cursor && { unit: cursor.key, id: cursor.id },
        limit: limit + 1,
      })
      const more = page.length > limit
      const shown = page.slice(0, limit)
      const last = shown.at(-1)
      return { officials: shown, unit, next: more && last ? `u:${last.id}:${last.unit}` : null }
    }
    const cursor = readCursor(s.after, 'n')
    const [byId, byName] = await db.batch([
      officialByExternalIdStatement(db, { externalId: q, active, unit, limit: cursor ? 0 : 1 }),
      officialsByNameStatement(db, {
        prefix: q,
        active,
        unit,
        after: cursor && { name: cursor.key, id: cursor.id },
        limit: limit + 1,
      }),
    ])
    const more = byName.length > limit
    const named = byName.slice(0, limit)
    const last = named.at(-1)
    return {
      officials: [...byId, ...named.filter((o) => o.id !== byId[0]?.id)],
      unit,
      next: more && last ? `n:${last.id}:${last.name}` : null,
    }
  } catch (error) {
    if (error instanceof AppError) throw error
    throw storageUnavailable(error, 'read')
  }
}

export async function officialFor(
  db: Database,
  actor: Actor,
  id: number,
  access: 'read' | 'write',
) {
  let found
  try {
    found = await db.query.officials.findFirst({ where: eq(officials.id, id) })
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  if (!found) throw new AppError(404, 'official_not_found', 'There is no such official.')
  requireAdmin(actor, found.unit, access)
  return found
}

export interface OfficialEdit {
  name: string
  unit: string
}

export function checkEdit(edit: OfficialEdit): OfficialEdit {
  const name = cleanText(edit.name)
  if (!name) throw new AppError(422, 'name_required', 'A name is required.')
  if (name.length > 100)
    throw new AppError(422, 'name_too_long', 'A name is at most 100 characters.')
  const unit = normaliseUnit(edit.unit)
  if ('problem' in unit) throw new AppError(422, 'invalid_unit', unit.problem)
  return { name, unit: unit.unit }
}

/** Name and unit; moving someone needs both units inside the actor's subtree. */
export async function editOfficial(db: Database, by: AuditBy, id: number, edit: OfficialEdit) {
  const wanted = checkEdit(edit)
  const official = await officialFor(db, by.actor, id, 'write')
  requireAdmin(by.actor, wanted.unit, 'write')
  if (official.name === wanted.name && official.unit === wanted.unit) return official
  const now = by.now.toISOString()
  try {
    await db.batch([
      db
        .update(officials)
        .set({ name: wanted.name, unit: wanted.unit, updatedAt: now })
        .where(eq(officials.id, id)),
      auditStatement(db, by, 'official.edit', {
        unit: wanted.unit,
        target: official.externalId,
        counts: {
          moved: official.unit === wanted.unit ? 0 : 1,
          renamed: official.name === wanted.name ? 0 : 1,
        },
      }),
    ])
  } catch (error) {
    throw storageUnavailable(error)
  }
  return { ...official, ...wanted, updatedAt: now }
}

/** Deactivated officials keep their records and links; they stop counting and cannot sign. */
export async function setOfficialActive(db: Database, by: AuditBy, id: number, active: boolean) {
  const official = await officialFor(db, by.actor, id, 'write')
  if (official.active === active) return official
  const now = by.now.toISOString()
  try {
    await db.batch([
      db
        .update(officials)
        .set({ active, deactivatedAt: active ? null : now, updatedAt: now })
        .where(eq(officials.id, id)),
      auditStatement(db, by, active ? 'official.reactivate' : 'official.deactivate', {
        unit: official.unit,
        target: official.externalId,
      }),
    ])
  } catch (error) {
    throw storageUnavailable(error)
  }
  return { ...official, active }
}

/** What an official acknowledged, newest version first (the caller has loaded them in scope). */
export async function officialRecords(db: Database, officialId: number) {
  try {
    return await officialRecordsStatement(db, officialId, 50)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
}
