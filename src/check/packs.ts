/**
 * The compiled rule packs of the Worker: their tables are the memory of a data-only Wasm module
 * (src/generated/rulepacks.wasm), instantiated once; each pack is prepared on first use and kept
 * for the isolate's life.
 */
import packs from '../generated/rulepacks.json'
import tables from '../generated/rulepacks.wasm'
import { dataModuleBuffer, loadRulePack, type RulePack, type RulePackData } from './pack'

const data = packs as unknown as Record<string, RulePackData>
const loaded = new Map<string, RulePack>()
let buffer: ArrayBuffer | undefined

/** The message check of one notice version, or undefined if that version has none. */
export function rulePackFor(notice: string, version: number): RulePack | undefined {
  const key = `${notice}@${version}`
  let pack = loaded.get(key)
  if (!pack) {
    const entry = data[key]
    if (!entry) return undefined
    buffer ??= dataModuleBuffer(tables)
    pack = loadRulePack(entry, buffer)
    loaded.set(key, pack)
  }
  return pack
}

/** Notices that have a message check in at least one version, in the packs' order. */
export function checkedNotices(): string[] {
  return [...new Set(Object.keys(data).map((key) => key.slice(0, key.lastIndexOf('@'))))]
}
