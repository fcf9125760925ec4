/**
 * The compiled rule packs of the Worker, one per (notice version, check version): their tables and
 * descriptions are one Data module (src/generated/rulepacks.bin), an ArrayBuffer the runtime hands
 * over with the script, viewed in place; rulepacks.json only lists them. Each pack is prepared on
 * first use (its description parsed, with its check version's model, src/check/models.ts) and
 * kept for the isolate's life.
 */
import packs from '../generated/rulepacks.json'
import tables from '../generated/rulepacks.bin'
import { checkModelFor } from './models'
import {
  loadRulePack,
  packDataAt,
  packKey,
  withModel,
  type RulePack,
  type RulePackIndexEntry,
} from './pack'

const data = packs as unknown as Record<string, RulePackIndexEntry>
const loaded = new Map<string, RulePack>()

/** Check versions that cover each notice version, ascending: "notice@version" -> [1, 2...]. */
const checksOf = new Map<string, number[]>()
for (const entry of Object.values(data)) {
  const key = `${entry.notice}@${entry.version}`
  checksOf.set(
    key,
    [...(checksOf.get(key) ?? []), entry.check].sort((a, b) => a - b),
  )
}

/** The check versions that cover a notice version, oldest first (empty if none does). */
export function checkVersionsFor(notice: string, version: number): readonly number[] {
  return checksOf.get(`${notice}@${version}`) ?? []
}

/**
 * The message check of one notice version: by default its newest check version, or the check
 * version asked for; undefined if there is none.
 */
export function rulePackFor(notice: string, version: number, check?: number): RulePack | undefined {
  const n = check ?? checkVersionsFor(notice, version).at(-1)
  if (n === undefined) return undefined
  const key = packKey(notice, version, n)
  let pack = loaded.get(key)
  if (!pack) {
    const entry = data[key]
    if (!entry) return undefined
    // The check version's model, when it has one, is the pack's learned channel.
    pack = withModel(loadRulePack(packDataAt(entry, tables), tables), checkModelFor(notice, n))
    loaded.set(key, pack)
  }
  return pack
}

/** Notices that have a message check in at least one version, in the packs' order. */
export function checkedNotices(): string[] {
  return [...new Set(Object.values(data).map((entry) => entry.notice))]
}
