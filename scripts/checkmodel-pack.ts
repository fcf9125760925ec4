/**
 * Check models into the Worker: every committed content/notices/<id>/checks/c<n>/model/ (written
 * by npm run train:check-model) is verified against its manifest and its tables laid out in a Data
 * module of its own (identical tables, such as the fold tables check versions share, once),
 *   src/generated/checkmodels.json  what each model is and where its tables are
 *   src/generated/checkmodels.bin   the tables (viewed in place: nothing to parse at start-up)
 * A module apart from the rule packs' so that a check version's model and its rule pack can be
 * built, replaced and loaded independently, and the rule pack's layout can change without this.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  loadCheckModel,
  MODEL_TABLES,
  type CheckModel,
  type CheckModelData,
  type ModelTableName,
} from '../src/check/model'
import { loadRulePack, packDataAt, withModel } from '../src/check/pack'
import { readArchive, type ArchiveFiles } from './check-archive'
import { RulePackError } from './rulepack'

/** model.json as committed: the model's data, with the tables' places inside model.bin. */
export interface ModelManifest extends Omit<CheckModelData, 'sha256'> {
  notice: string
  check: number
  bin: { file: 'model.bin'; bytes: number; sha256: string }
  [more: string]: unknown
}

export const MODEL_FILES = ['model.json', 'model.bin'] as const

/** Every committed model, in a stable order: [key "<notice>@c<n>", folder]. */
export async function findCheckModels(root: string): Promise<[string, string][]> {
  const notices = path.join(root, 'content/notices')
  const out: [string, string][] = []
  for (const notice of (await readdir(notices)).sort()) {
    const checks = path.join(notices, notice, 'checks')
    const dirs = (await readdir(checks).catch(() => [] as string[]))
      .filter((d) => /^c[1-9][0-9]*$/.test(d))
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    for (const dir of dirs) {
      const folder = path.join(checks, dir, 'model')
      const has = await readFile(path.join(folder, 'model.json')).then(
        () => true,
        () => false,
      )
      if (has) out.push([`${notice}@${dir}`, folder])
    }
  }
  return out
}

/** The SHA-256 a model is cited by: over model.json, then model.bin. */
export const modelSha256 = (json: Buffer, bin: Buffer) =>
  createHash('sha256').update(json).update(bin).digest('hex')

/**
 * The committed models (only those whose key is in `keys`, when given) and their tables laid out
 * in one buffer, at offsets counted from `base` (where that buffer will start in its file).
 */
export async function buildCheckModels(
  root: string,
  { keys, base = 0 }: { keys?: ReadonlySet<string>; base?: number } = {},
): Promise<{ models: Record<string, CheckModelData>; bytes: Buffer }> {
  const models: Record<string, CheckModelData> = {}
  const parts: Buffer[] = []
  // Table by table, identical ones stored once (check versions share their fold tables): the
  // runtime copies every byte of the data module into each new isolate.
  const seen = new Map<string, number>()
  let at = base
  for (const [key, folder] of await findCheckModels(root)) {
    if (keys && !keys.has(key)) continue
    const where = path.relative(root, folder)
    const json = await readFile(path.join(folder, 'model.json'))
    const bin = await readFile(path.join(folder, 'model.bin'))
    const manifest = JSON.parse(json.toString('utf8')) as ModelManifest
    const problems: string[] = []
    const binSha = createHash('sha256').update(bin).digest('hex')
    if (manifest.format !== 1) problems.push(`format ${String(manifest.format)}: expected 1`)
    if (binSha !== manifest.bin?.sha256 || bin.length !== manifest.bin?.bytes)
      problems.push('model.bin does not match the sha256 and size in model.json (re-train)')
    if (`${manifest.notice}@c${manifest.check}` !== key)
      problems.push(`model.json names ${manifest.notice}@c${manifest.check}, not ${key}`)
    const tables = {} as CheckModelData['tables']
    for (const name of Object.keys(MODEL_TABLES) as ModelTableName[]) {
      const [offset, length] = manifest.tables?.[name] ?? [-1, -1]
      const bytes = length * MODEL_TABLES[name].BYTES_PER_ELEMENT
      if (!(offset >= 0 && offset % 4 === 0 && offset + bytes <= bin.length)) {
        problems.push(`tables.${name}: outside model.bin or not 4-byte aligned`)
        continue
      }
      const table = bin.subarray(offset, offset + bytes)
      const same = `${name}:${createHash('sha256').update(table).digest('hex')}`
      let place = seen.get(same)
      if (place === undefined) {
        place = at
        seen.set(same, place)
        const pad = (4 - (bytes % 4)) % 4
        parts.push(table, Buffer.alloc(pad))
        at += bytes + pad
      }
      tables[name] = [place, length]
    }
    if (problems.length) throw new RulePackError(where, problems)
    const { notice: _n, check: _c, bin: _b, ...rest } = manifest
    models[key] = {
      format: 1,
      rules: rest.rules,
      bias: rest.bias,
      scale: rest.scale,
      threshold: rest.threshold,
      normFloor: rest.normFloor,
      slotBits: rest.slotBits,
      ...(rest.featureScheme === undefined ? {} : { featureScheme: rest.featureScheme }),
      sha256: modelSha256(json, bin),
      tables,
    }
  }
  return { models, bytes: Buffer.concat(parts) }
}

/**
 * Writes src/generated/checkmodels.{json,bin} with the models of `keys` (the check versions the
 * Worker's bundle answers with; see scripts/check-archive.ts); returns a line for the build's log.
 */
export async function writeCheckModels(
  root: string,
  outDir: string,
  keys: ReadonlySet<string>,
): Promise<string> {
  const { models, bytes } = await buildCheckModels(root, { keys })
  const json = JSON.stringify(models)
  await writeFile(path.join(outDir, 'checkmodels.json'), json)
  await writeFile(path.join(outDir, 'checkmodels.bin'), bytes)
  return (
    `check models: ${Object.keys(models).join(', ') || '(none)'} -> src/generated/checkmodels.json ` +
    `(${(json.length / 1024).toFixed(1)} KiB) + checkmodels.bin (${(bytes.length / 1024).toFixed(0)} KiB)`
  )
}

/** What loads a built pack and model: src/'s own by default; the bench passes its bundle's. */
export interface EngineLoaders {
  loadCheckModel: typeof loadCheckModel
  loadRulePack: typeof loadRulePack
  packDataAt: typeof packDataAt
  withModel: typeof withModel
}
export const SRC_LOADERS: EngineLoaders = { loadCheckModel, loadRulePack, packDataAt, withModel }

/**
 * The built models, loaded as the Worker loads them, for Node scripts: those in the bundle and
 * those in the archive (scripts/check-archive.ts; read here unless the caller has read it).
 */
export async function readBuiltModels(
  root: string,
  { loaders = SRC_LOADERS, archive }: { loaders?: EngineLoaders; archive?: ArchiveFiles } = {},
): Promise<Record<string, CheckModel>> {
  const generated = path.join(root, 'src/generated')
  const data = JSON.parse(
    await readFile(path.join(generated, 'checkmodels.json'), 'utf8'),
  ) as Record<string, CheckModelData>
  const bytes = await readFile(path.join(generated, 'checkmodels.bin'))
  // A copy, as the Worker gets it: an ArrayBuffer of its own, 4-byte aligned.
  const buffer = new Uint8Array(bytes).buffer
  const out: Record<string, CheckModel> = Object.fromEntries(
    Object.entries(data).map(([key, d]) => [key, loaders.loadCheckModel(d, buffer)]),
  )
  for (const { held, buffer: file } of archive ?? (await readArchive(root)))
    if (held.model) out[`${held.notice}@c${held.check}`] = loaders.loadCheckModel(held.model, file)
  return out
}
