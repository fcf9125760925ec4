/**
 * One official at a time, as the console changes them: search (by external id or a name prefix),
 * edit name and unit (a misspelt roster name is fixed at once: the name check compares with it),
 * deactivate and reactivate. Every change is scoped (the official's unit, and for a move the new
 * one too) and lands in one batch with its audit entry.
 */
import { eq, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { allClasses } from '../acknowledgements/counters'
import { storageUnavailable } from '../acknowledgements/failures'
import { cleanText } from '../acknowledgements/names'
import { normaliseUnit } from '../acknowledgements/roster'
import { loadRouting, shardForUnit, shardsFor } from '../acknowledgements/sharding'
import { mergeSorted, take } from '../acknowledgements/status'
import { transitionStatements } from '../db/counters'
import { asShards, type Shard, type Store } from '../db/shards'
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
import { auditAfterShardWrite, auditStatement, type AuditBy, type AuditEntry } from './audit'

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
> & { shard: number }

/**
 * An official as the console names one: ids are numbered per shard, so one in shard n > 0 is
 * "<n>s<id>" (as in a personal link's claims) and one in shard 0 (DB) is its id alone.
 */
export interface OfficialRef {
  shard: number
  id: number
}

export const refOf = (o: OfficialRef) => (o.shard ? `${o.shard}s${o.id}` : String(o.id))

/** The reference in a console path or form; 0 for anything else (no official has id 0). */
export function readRef(text: string | undefined): OfficialRef {
  const match = /^(?:([1-9][0-9]{0,2})s)?([1-9][0-9]{0,15})$/.exec(text ?? '')
  const id = match ? Number(match[2]) : 0
  return { shard: match?.[1] ? Number(match[1]) : 0, id: Number.isSafeInteger(id) ? id : 0 }
}

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
export async function searchOfficials(store: Store, actor: Actor, s: OfficialSearch) {
  const unit = scopedUnit(actor, s.unit, 'read')
  const limit = s.limit ?? OFFICIALS_PAGE
  const active = s.status !== 'inactive'
  const q = cleanText(s.q ?? '')
  try {
    // Every shard the unit reaches, each page merged in the order of the cursor: a unit lives in
    // one shard, so (unit, id) continues the merge exactly.
    const inScope = await shardsFor(asShards(store), unit)
    const tag = (shard: Shard, rows: Omit<OfficialView, 'shard'>[]) =>
      rows.map((row) => ({ ...row, shard: shard.index }))
    if (!q) {
      const cursor = readCursor(s.after, 'u')
      const pages = await Promise.all(
        inScope.map(async (shard) =>
          tag(
            shard,
            await officialsByUnitStatement(shard.db, {
              active,
              unit,
              after: cursor && { unit: cursor.key, id: cursor.id },
              limit: limit + 1,
            }),
          ),
        ),
      )
      const page = await take(mergeSorted(pages.map(each), byUnitThenId), limit + 1)
      const more = page.length > limit
      const shown = page.slice(0, limit)
      const last = shown.at(-1)
      return { officials: shown, unit, next: more && last ? `u:${last.id}:${last.unit}` : null }
    }
    const cursor = readCursor(s.after, 'n')
    const found = await Promise.all(
      inScope.map(async (shard) => {
        const [byId, byName] = await shard.db.batch([
          officialByExternalIdStatement(shard.db, {
            externalId: q,
            active,
            unit,
            limit: cursor ? 0 : 1,
          }),
          officialsByNameStatement(shard.db, {
            prefix: q,
            active,
            unit,
            after: cursor && { name: cursor.key, id: cursor.id },
            limit: limit + 1,
          }),
        ])
        return { byId: tag(shard, byId), byName: tag(shard, byName) }
      }),
    )
    const byId = found.flatMap((f) => f.byId)
    const byName = await take(
      mergeSorted(
        found.map((f) => each(f.byName)),
        byNameThenId,
      ),
      limit + 1,
    )
    const more = byName.length > limit
    const named = byName.slice(0, limit)
    const last = named.at(-1)
    const isById = (o: OfficialView) => byId.some((b) => b.id === o.id && b.shard === o.shard)
    return {
      officials: [...byId, ...named.filter((o) => !isById(o))],
      unit,
      next: more && last ? `n:${last.id}:${last.name}` : null,
    }
  } catch (error) {
    if (error instanceof AppError) throw error
    throw storageUnavailable(error, 'read')
  }
}

async function* each<T>(rows: readonly T[]): AsyncGenerator<T> {
  yield* rows
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const byUnitThenId = (a: OfficialView, b: OfficialView) =>
  compareText(a.unit, b.unit) || a.id - b.id
const byNameThenId = (a: OfficialView, b: OfficialView) =>
  compareText(a.name, b.name) || a.id - b.id

export async function officialFor(
  store: Store,
  actor: Actor,
  ref: OfficialRef,
  access: 'read' | 'write',
) {
  const shards = asShards(store)
  const shard = shards.shards[ref.shard]
  let found
  try {
    found = shard && (await shard.db.query.officials.findFirst({ where: eq(officials.id, ref.id) }))
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  if (!shard || !found) throw new AppError(404, 'official_not_found', 'There is no such official.')
  requireAdmin(actor, found.unit, access)
  return { ...found, shard: shard.index }
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

/**
 * One official's change, in their shard's batch: the live counters move first (they read the
 * official as they were), then the row. The audit entry goes in the same batch when the shard is
 * DB; another shard cannot share a batch with DB, so its entry follows (as a roster import's).
 */
async function writeOfficial(
  store: Store,
  by: AuditBy,
  official: { id: number; shard: number },
  /** The unit and state the official ends with, and the columns that change. */
  change: { unit: string; active: boolean; set: Partial<typeof officials.$inferInsert> },
  { action, ...entry }: { action: string } & AuditEntry,
) {
  const shards = asShards(store)
  const shard = shards.shard(official.shard)
  const db = shard.db
  const inBatch = db === shards.control
  try {
    await db.batch([
      ...transitionStatements(
        db,
        sql`SELECT ${official.id}, ${change.unit}, ${change.active ? 1 : 0}`,
        allClasses(),
      ),
      db.update(officials).set(change.set).where(eq(officials.id, official.id)),
      ...(inBatch ? [auditStatement(db, by, action, entry)] : []),
    ] as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
  } catch (error) {
    throw storageUnavailable(error)
  }
  if (!inBatch)
    await auditAfterShardWrite(
      shards.control,
      by,
      action,
      entry,
      `The change to official ${entry.target ?? official.id} was saved (in shard ${official.shard}; do not make it again)`,
    )
}

/**
 * Name and unit; moving someone needs both units inside the actor's subtree, and (with several
 * shards) the new unit in the official's shard: a move across shards is a roster operation
 * (docs/scale.md).
 */
export async function editOfficial(
  store: Store,
  by: AuditBy,
  ref: OfficialRef,
  edit: OfficialEdit,
) {
  const wanted = checkEdit(edit)
  const official = await officialFor(store, by.actor, ref, 'write')
  requireAdmin(by.actor, wanted.unit, 'write')
  if (official.name === wanted.name && official.unit === wanted.unit) return official
  if (official.unit !== wanted.unit) {
    const to = shardForUnit(await loadRouting(store), wanted.unit)
    if (to !== official.shard)
      throw new AppError(
        422,
        'move_across_shards',
        `Unit "${wanted.unit}" is in shard ${to} and this official in shard ${official.shard}; moving officials between shards: docs/scale.md.`,
      )
  }
  const now = by.now.toISOString()
  await writeOfficial(
    store,
    by,
    official,
    {
      unit: wanted.unit,
      active: official.active,
      set: { name: wanted.name, unit: wanted.unit, updatedAt: now },
    },
    {
      action: 'official.edit',
      unit: wanted.unit,
      target: official.externalId,
      counts: {
        moved: official.unit === wanted.unit ? 0 : 1,
        renamed: official.name === wanted.name ? 0 : 1,
      },
    },
  )
  return { ...official, ...wanted, updatedAt: now }
}

/** Deactivated officials keep their records and links; they stop counting and cannot sign. */
export async function setOfficialActive(
  store: Store,
  by: AuditBy,
  ref: OfficialRef,
  active: boolean,
) {
  const official = await officialFor(store, by.actor, ref, 'write')
  if (official.active === active) return official
  const now = by.now.toISOString()
  await writeOfficial(
    store,
    by,
    official,
    {
      unit: official.unit,
      active,
      set: { active, deactivatedAt: active ? null : now, updatedAt: now },
    },
    {
      action: active ? 'official.reactivate' : 'official.deactivate',
      unit: official.unit,
      target: official.externalId,
    },
  )
  return { ...official, active }
}

/** What an official acknowledged, newest version first (the caller has loaded them in scope). */
export async function officialRecords(store: Store, ref: OfficialRef) {
  try {
    return await officialRecordsStatement(asShards(store).shard(ref.shard).db, ref.id, 50)
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
}
