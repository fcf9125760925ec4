/**
 * The check models of the Worker (the learned channel): their tables are the memory of a
 * data-only Wasm module (src/generated/checkmodels.wasm), instantiated on first use; each model
 * is prepared once and kept for the isolate's life.
 */
import models from '../generated/checkmodels.json'
import tables from '../generated/checkmodels.wasm'
import { loadCheckModel, type CheckModel, type CheckModelData } from './model'
import { dataModuleBuffer } from './pack'

const data = models as unknown as Record<string, CheckModelData>
const loaded = new Map<string, CheckModel>()
let buffer: ArrayBuffer | undefined

/** The model of a notice's check version (c<n>), or undefined if that version has none. */
export function checkModelFor(notice: string, check: number): CheckModel | undefined {
  const key = `${notice}@c${check}`
  let model = loaded.get(key)
  if (!model) {
    const entry = data[key]
    if (!entry) return undefined
    buffer ??= dataModuleBuffer(tables)
    model = loadCheckModel(entry, buffer)
    loaded.set(key, model)
  }
  return model
}
