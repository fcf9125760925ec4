/**
 * The dry run of a roster upload: what an import of this file would add, change, reactivate and
 * (in full mode) deactivate, and every bad line with its reason, read from D1 and written
 * nowhere. `plan` is a hash of exactly those changes: a commit that carries it is refused when the
 * same upload would now do anything else (the file was edited, or the roster moved meanwhile).
 */
import { sha256Hex } from '../crypto'
import { activeInUnitStatement, officialsByExternalIdFull } from '../db/officials'
import { asShards, type Store } from '../db/shards'
import { AppError } from '../errors'
import { storageUnavailable } from './failures'
import { shardsFor } from './sharding'
import {
  isWithin,
  normaliseUnit,
  parseRosterCsv,
  parseRosterJson,
  type RosterProblem,
} from './roster'

/** Rows shown per list in a preview; the counts are always whole. */
export const PREVIEW_LIST_MAX = 200

export interface PreviewOfficial {
  line: number | null
  externalId: string
  name: string
  unit: string
}

export interface PreviewChange extends PreviewOfficial {
  before: { name: string; unit: string }
}

export interface RosterPreview {
  mode: 'merge' | 'full'
  unit: string | null
  bodySha256: string
  /** SHA-256 of the changes below, whole: what a commit must still find. */
  plan: string
  /** False when any line is bad: a commit would import nothing. */
  valid: boolean
  rows: number
  counts: {
    added: number
    changed: number
    reactivated: number
    unchanged: number
    deactivated: number
    problems: number
  }
  added: PreviewOfficial[]
  changed: PreviewChange[]
  reactivated: PreviewOfficial[]
  deactivated: PreviewOfficial[]
  problems: RosterProblem[]
}

export async function previewRoster(
  store: Store,
  input: { body: string; format: 'csv' | 'json'; mode: 'merge' | 'full'; unit: string | null },
): Promise<RosterPreview> {
  let scope: string | null = null
  if (input.unit) {
    const unit = normaliseUnit(input.unit)
    if ('problem' in unit) throw new AppError(400, 'invalid_unit', unit.problem)
    scope = unit.unit
  }
  const parsed =
    input.format === 'csv' ? parseRosterCsv(input.body, scope) : parseRosterJson(input.body, scope)
  const problems = [...parsed.problems]
  if (problems.length === 0 && parsed.entries.length === 0)
    problems.push({ line: 1, message: 'the roster has no officials' })

  let existing: Awaited<ReturnType<typeof officialsByExternalIdFull>>
  let inScope: { externalId: string; name: string; unit: string }[] = []
  // Every shard: a listed official may be in any of them (the import then refuses to write
  // them to another), and a full import deactivates in every shard its unit reaches.
  try {
    const shards = asShards(store)
    const ids = parsed.entries.map((e) => e.externalId)
    const [found, active] = await Promise.all([
      Promise.all(shards.shards.map((shard) => officialsByExternalIdFull(shard.db, ids))),
      input.mode === 'full'
        ? shardsFor(shards, scope).then((reached) =>
            Promise.all(reached.map((shard) => activeInUnitStatement(shard.db, scope))),
          )
        : [],
    ])
    existing = new Map(found.flatMap((byId) => [...byId]))
    inScope = active.flat()
  } catch (error) {
    throw storageUnavailable(error, 'read')
  }

  const added: PreviewOfficial[] = []
  const changed: PreviewChange[] = []
  const reactivated: PreviewOfficial[] = []
  let unchanged = 0
  for (const entry of parsed.entries) {
    const now = existing.get(entry.externalId)
    const row = {
      line: entry.line,
      externalId: entry.externalId,
      name: entry.name,
      unit: entry.unit,
    }
    if (!now) added.push(row)
    else if (scope && !isWithin(now.unit, scope))
      problems.push({
        line: entry.line,
        message: `external id "${entry.externalId}" is on the roster in unit "${now.unit}", outside this import's unit "${scope}"`,
      })
    else if (!now.active) reactivated.push(row)
    else if (now.name !== entry.name || now.unit !== entry.unit)
      changed.push({ ...row, before: { name: now.name, unit: now.unit } })
    else unchanged++
  }
  const listed = new Set(parsed.entries.map((e) => e.externalId))
  const deactivated: PreviewOfficial[] =
    input.mode === 'full'
      ? inScope.filter((o) => !listed.has(o.externalId)).map((o) => ({ line: null, ...o }))
      : []
  problems.sort((a, b) => a.line - b.line)

  const bodySha256 = await sha256Hex(input.body)
  const plan = await sha256Hex(
    JSON.stringify({
      mode: input.mode,
      unit: scope,
      bodySha256,
      problems: problems.length,
      added: added.map((o) => o.externalId),
      changed: changed.map((o) => [o.externalId, o.before.name, o.before.unit]),
      reactivated: reactivated.map((o) => o.externalId),
      deactivated: deactivated.map((o) => o.externalId),
    }),
  )
  const cap = <T>(list: T[]) => list.slice(0, PREVIEW_LIST_MAX)
  return {
    mode: input.mode,
    unit: scope,
    bodySha256,
    plan,
    valid: problems.length === 0,
    rows: parsed.entries.length,
    counts: {
      added: added.length,
      changed: changed.length,
      reactivated: reactivated.length,
      unchanged,
      deactivated: deactivated.length,
      problems: problems.length,
    },
    added: cap(added),
    changed: cap(changed),
    reactivated: cap(reactivated),
    deactivated: cap(deactivated),
    problems: cap(problems),
  }
}

/** 409 when a commit's plan is not what the same upload would do now. */
export function planChanged() {
  return new AppError(
    409,
    'roster_plan_changed',
    'The upload or the roster changed since the dry run, so nothing was imported. Look at the new dry run and confirm again.',
  )
}

/** The hash as given by a client: 64 hex digits. */
export const isPlanHash = (text: unknown): text is string =>
  typeof text === 'string' && /^[0-9a-f]{64}$/.test(text)
