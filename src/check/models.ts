/**
 * The check models of the Worker (the learned channel). Their tables are one data module
 * (src/generated/checkmodels.bin, imported as an ArrayBuffer: wrangler's default rule for *.bin),
 * viewed in place by typed arrays, so loading parses, decodes and compiles nothing; each model is
 * prepared on first use and kept for the isolate's life.
 */
import models from '../generated/checkmodels.json'
import tables from '../generated/checkmodels.bin'
import { loadCheckModel, type CheckModel, type CheckModelData } from './model'

const data = models as unknown as Record<string, CheckModelData>
const loaded = new Map<string, CheckModel>()

/** The model of a notice's check version (c<n>), or undefined if that version has none. */
export function checkModelFor(notice: string, check: number): CheckModel | undefined {
  const key = `${notice}@c${check}`
  let model = loaded.get(key)
  if (!model) {
    const entry = data[key]
    if (!entry) return undefined
    model = loadCheckModel(entry, tables)
    loaded.set(key, model)
  }
  return model
}
