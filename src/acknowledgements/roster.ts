/**
 * Roster upload: CSV or JSON in, every row checked before anything is written, then one D1 batch
 * so an import lands whole or not at all. Officials missing from a full import are deactivated,
 * never deleted: their links and records must keep pointing at them.
 */
import type { CompiledNotice } from '../content/types'
import { sha256Hex } from '../crypto'
import { batchAll } from '../db/batch'
import type { Database } from '../db/client'
import type { BatchItem } from 'drizzle-orm/batch'
import { officialsByExternalId, rosterImportStatements, type RosterImport } from '../db/officials'
import { AppError, type ErrorBody } from '../errors'
import { CsvSyntaxError, parseCsv } from './csv'
import { storageUnavailable } from './failures'
import { allClasses } from './counters'
import { cleanText } from './names'
import { shardForImport } from './sharding'
import type { Shard, Store } from '../db/shards'

export const ROSTER_MAX_BYTES = 5 * 1024 * 1024
export const ROSTER_MAX_ROWS = 50_000
const MAX_DEPTH = 10
const MAX_PROBLEMS_SHOWN = 200

export interface RosterEntry {
  /** CSV: the file's line; JSON: the 1-based position in the array. */
  line: number
  externalId: string
  name: string
  unit: string
}

export interface RosterProblem {
  line: number
  message: string
}

/** 422 whose body also lists every bad line, so the whole file can be fixed in one pass. */
export class RosterRejected extends AppError {
  constructor(readonly problems: RosterProblem[]) {
    const shown = problems
      .slice(0, MAX_PROBLEMS_SHOWN)
      .map((p) => `line ${p.line}: ${p.message}`)
      .join('; ')
    const more =
      problems.length > MAX_PROBLEMS_SHOWN
        ? `; and ${problems.length - MAX_PROBLEMS_SHOWN} more`
        : ''
    super(
      422,
      'roster_invalid',
      `${problems.length} bad ${problems.length === 1 ? 'line' : 'lines'}, nothing was imported: ${shown}${more}.`,
    )
  }

  override body(): ErrorBody {
    const body = super.body()
    return { error: { ...body.error, lines: this.problems } } as ErrorBody
  }
}

/** "广东省 / 广州市/公安局" -> "广东省/广州市/公安局"; the reason it is unusable otherwise. */
export function normaliseUnit(raw: string): { unit: string } | { problem: string } {
  const segments = raw.split('/').map(cleanText)
  if (segments.length === 1 && segments[0] === '') return { problem: 'unit is empty' }
  if (segments.some((s) => s === '')) return { problem: `unit "${raw}" has an empty level` }
  if (segments.length > MAX_DEPTH)
    return { problem: `unit "${raw}" nests deeper than ${MAX_DEPTH} levels` }
  if (segments.some((s) => s.length > 100)) return { problem: 'a unit name is over 100 characters' }
  return { unit: segments.join('/') }
}

export function isWithin(unit: string, scope: string | null | undefined): boolean {
  return !scope || unit === scope || unit.startsWith(`${scope}/`)
}

/** Problems that are rows outside the import's unit: a scope crossing, answered 403 rather than 422. */
const outsideScope = new WeakSet<RosterProblem>()

function checkRow(
  line: number,
  raw: { externalId: unknown; name: unknown; unit: unknown },
  scope: string | null,
  seen: Map<string, number>,
  problems: RosterProblem[],
): RosterEntry | undefined {
  const bad = (message: string) => {
    problems.push({ line, message })
    return undefined
  }
  if (typeof raw.externalId !== 'string' || typeof raw.name !== 'string')
    return bad('external id and name must be text')
  if (typeof raw.unit !== 'string') return bad('unit must be text, levels separated by "/"')
  const externalId = cleanText(raw.externalId)
  const name = cleanText(raw.name)
  if (!externalId) return bad('external id is empty')
  if (externalId.length > 64) return bad('external id is over 64 characters')
  if (!name) return bad('name is empty')
  if (name.length > 100) return bad('name is over 100 characters')
  const unit = normaliseUnit(raw.unit)
  if ('problem' in unit) return bad(unit.problem)
  if (!isWithin(unit.unit, scope)) {
    bad(`unit "${unit.unit}" is outside this import's unit "${scope}"`)
    outsideScope.add(problems.at(-1)!)
    return undefined
  }
  const first = seen.get(externalId)
  if (first !== undefined) return bad(`external id "${externalId}" also appears on line ${first}`)
  seen.set(externalId, line)
  return { line, externalId, name, unit: unit.unit }
}

const HEADERS: Record<string, 'externalId' | 'name' | 'unit'> = {
  external_id: 'externalId',
  externalid: 'externalId',
  id: 'externalId',
  name: 'name',
  unit: 'unit',
}

export function parseRosterCsv(text: string, scope: string | null) {
  const problems: RosterProblem[] = []
  let rows
  try {
    rows = parseCsv(text)
  } catch (error) {
    if (error instanceof CsvSyntaxError)
      return { entries: [], problems: [{ line: error.line, message: error.message }] }
    throw error
  }
  const [header, ...body] = rows
  if (!header) return { entries: [], problems: [{ line: 1, message: 'the file is empty' }] }
  const columns = header.cells.map((c) => HEADERS[c.trim().toLowerCase()])
  const index = (field: 'externalId' | 'name' | 'unit') => columns.indexOf(field)
  const missing = (['externalId', 'name', 'unit'] as const).filter((f) => index(f) < 0)
  if (missing.length)
    return {
      entries: [],
      problems: [
        {
          line: header.line,
          message: `the header must name the columns external_id, name, unit (missing: ${missing.join(', ')})`,
        },
      ],
    }
  if (body.length > ROSTER_MAX_ROWS)
    return {
      entries: [],
      problems: [{ line: 1, message: `over ${ROSTER_MAX_ROWS} rows: split the import by unit` }],
    }
  const seen = new Map<string, number>()
  const entries: RosterEntry[] = []
  for (const row of body) {
    if (row.cells.length !== header.cells.length) {
      problems.push({
        line: row.line,
        message: `expected ${header.cells.length} fields, found ${row.cells.length}`,
      })
      continue
    }
    const entry = checkRow(
      row.line,
      {
        externalId: row.cells[index('externalId')],
        name: row.cells[index('name')],
        unit: row.cells[index('unit')],
      },
      scope,
      seen,
      problems,
    )
    if (entry) entries.push(entry)
  }
  return { entries, problems }
}

/** `{"officials":[{"externalId","name","unit"}]}` or the bare array. */
export function parseRosterJson(text: string, scope: string | null) {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { entries: [], problems: [{ line: 1, message: 'the body is not valid JSON' }] }
  }
  const list = Array.isArray(value) ? value : (value as { officials?: unknown } | null)?.officials
  if (!Array.isArray(list))
    return {
      entries: [],
      problems: [{ line: 1, message: 'expected {"officials": [...]} or an array of officials' }],
    }
  if (list.length > ROSTER_MAX_ROWS)
    return {
      entries: [],
      problems: [{ line: 1, message: `over ${ROSTER_MAX_ROWS} rows: split the import by unit` }],
    }
  const problems: RosterProblem[] = []
  const entries: RosterEntry[] = []
  const seen = new Map<string, number>()
  list.forEach((item: unknown, i) => {
    const o = (item ?? {}) as Record<string, unknown>
    const entry = checkRow(
      i + 1,
      { externalId: o.externalId ?? o.external_id, name: o.name, unit: o.unit },
      scope,
      seen,
      problems,
    )
    if (entry) entries.push(entry)
  })
  return { entries, problems }
}

export interface RosterSummary {
  importId: string
  mode: 'merge' | 'full'
  unit: string | null
  rows: number
  created: number
  updated: number
  reactivated: number
  unchanged: number
  deactivated: number
  bodySha256: string
  /** The shard it was written to (0 is DB). */
  shard: number
}

/**
 * An import for a unit changes only that unit's officials: a row that would move someone in from
 * another unit (an external id on the roster elsewhere) is refused, 403 like any scope crossing.
 */
async function refuseOfficialsOutside(db: Database, entries: RosterEntry[], scope: string) {
  let existing
  try {
    existing = await officialsByExternalId(
      db,
      entries.map((e) => e.externalId),
    )
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }
  const outside = [...existing.values()].filter((o) => !isWithin(o.unit, scope))
  if (outside.length === 0) return
  const shown = outside
    .slice(0, 10)
    .map((o) => `${o.externalId} (${o.unit})`)
    .join(', ')
  throw new AppError(
    403,
    'outside_scope',
    `${outside.length} ${outside.length === 1 ? 'official' : 'officials'} in this file belong to units outside ${scope}, nothing was imported: ${shown}${outside.length > 10 ? ', …' : ''}.`,
  )
}

/**
 * Checks the whole upload, then writes it to its shard in one batch. `notices` (default: all
 * published) are those whose counters follow the officials it moves.
 */
export async function importRoster(
  store: Store,
  input: {
    body: string
    format: 'csv' | 'json'
    mode: 'merge' | 'full'
    unit: string | null
    now: Date
    notices?: readonly CompiledNotice[]
    /**
     * Statements for the same batch once the import's record holds its counts (the audit
     * entry), given the shard the import is written to.
     */
    alongside?: (importId: string, shard: Shard) => readonly BatchItem<'sqlite'>[]
  },
): Promise<RosterSummary> {
  let scope: string | null = null
  if (input.unit) {
    const unit = normaliseUnit(input.unit)
    if ('problem' in unit) throw new AppError(400, 'invalid_unit', unit.problem)
    scope = unit.unit
  }
  const parsed =
    input.format === 'csv' ? parseRosterCsv(input.body, scope) : parseRosterJson(input.body, scope)
  const outside = parsed.problems.filter((p) => outsideScope.has(p))
  if (outside.length)
    throw new AppError(
      403,
      'outside_scope',
      `${outside.length} ${outside.length === 1 ? 'line is' : 'lines are'} for units outside ${scope}, nothing was imported: ${outside
        .slice(0, 20)
        .map((p) => `line ${p.line}`)
        .join(', ')}${outside.length > 20 ? ', …' : ''}.`,
    )
  if (parsed.problems.length) throw new RosterRejected(parsed.problems)
  if (parsed.entries.length === 0)
    throw new RosterRejected([{ line: 1, message: 'the roster has no officials' }])

  const shard = await shardForImport(store, { mode: input.mode, scope, rows: parsed.entries })
  const db = shard.db
  if (scope) await refuseOfficialsOutside(db, parsed.entries, scope)

  const importId = crypto.randomUUID()
  const bodySha256 = await sha256Hex(input.body)
  const statements = rosterImportStatements(db, {
    importId,
    now: input.now.toISOString(),
    mode: input.mode,
    scope,
    bodySha256,
    rows: parsed.entries,
    classes: allClasses(input.notices),
    alongside: input.alongside?.(importId, shard),
  })
  let stored: RosterImport | undefined
  try {
    stored = ((await batchAll(db, statements)).at(-1) as RosterImport[])[0]
  } catch (error) {
    throw storageUnavailable(error)
  }
  if (!stored) throw storageUnavailable(new Error('the import record was not read back'))
  const { created, updated, reactivated, deactivated } = stored
  return {
    importId,
    mode: input.mode,
    unit: scope,
    rows: parsed.entries.length,
    created,
    updated,
    reactivated,
    unchanged: parsed.entries.length - created - updated - reactivated,
    deactivated,
    bodySha256,
    shard: shard.index,
  }
}
