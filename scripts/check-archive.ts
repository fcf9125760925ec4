/**
 * Which check versions the Worker's bundle carries, and the archive of the others.
 *
 * Every byte of a Worker's Data modules is copied into each new isolate, used or not, so a
 * bundle that kept every check version ever published would start slower with each one (five
 * versions were 3.1 MB of tables, 1.6 ms of every cold start). The bundle keeps, for each
 * notice version, only the newest check version that covers it: what a caller gets without
 * asking. Every other (notice, check version) becomes one file among the Worker's static assets
 * (src/generated/assets, wrangler.toml's [assets], served to nobody: the Worker runs first and
 * reads them through the ASSETS binding), holding its rule packs and its model, named by its
 * sha256, and listed in src/generated/archive.json (ArchivedCheck) with what the Worker needs to
 * verify it. src/check/packs.ts fetches one when a caller first pins that version.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ArchivedCheck } from '../src/check/pack'
import { buildCheckModels } from './checkmodel-pack'
import { layoutPacks, type CompiledPack } from './rulepack'

/** Where the build writes the archive's files; the path of each is what ASSETS serves it at. */
export const ASSETS_DIR = 'src/generated/assets'
const ARCHIVE_PREFIX = '_archive'

const modelKey = (notice: string, check: number) => `${notice}@c${check}`

/**
 * Splits the compiled packs: those the bundle carries (for each notice version, its newest
 * check version) and the rest, by check version ("<notice>@c<n>").
 */
export function splitByNewest(packs: CompiledPack[]): {
  bundled: CompiledPack[]
  archived: Map<string, CompiledPack[]>
} {
  const newest = new Map<string, number>()
  for (const { meta } of packs) {
    const key = `${meta.notice}@${meta.version}`
    newest.set(key, Math.max(newest.get(key) ?? 0, meta.check))
  }
  const bundled: CompiledPack[] = []
  const archived = new Map<string, CompiledPack[]>()
  for (const pack of packs) {
    const { notice, version, check } = pack.meta
    if (newest.get(`${notice}@${version}`) === check) bundled.push(pack)
    else {
      const key = modelKey(notice, check)
      archived.set(key, [...(archived.get(key) ?? []), pack])
    }
  }
  return { bundled, archived }
}

/**
 * Writes one file per archived check version (its packs, then its model's tables, if it has
 * one) under ASSETS_DIR/_archive/, replacing whatever an earlier build left there, and returns
 * the index the Worker bundles (src/generated/archive.json).
 */
export async function writeArchive(
  root: string,
  archived: Map<string, CompiledPack[]>,
): Promise<Record<string, ArchivedCheck>> {
  const dir = path.join(root, ASSETS_DIR)
  await rm(path.join(dir, ARCHIVE_PREFIX), { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const index: Record<string, ArchivedCheck> = {}
  for (const [key, packs] of archived) {
    const { notice, check } = packs[0]!.meta
    const laid = layoutPacks(packs)
    // layoutPacks pads every part to 4 bytes, so the model's tables start aligned after it.
    const { models, bytes: modelBytes } = await buildCheckModels(root, {
      keys: new Set([key]),
      base: laid.bytes.length,
    })
    const bytes = Buffer.concat([laid.bytes, modelBytes])
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const file = `/${ARCHIVE_PREFIX}/${notice}/c${check}.${sha256.slice(0, 16)}.bin`
    await mkdir(path.join(dir, path.dirname(file)), { recursive: true })
    await writeFile(path.join(dir, file), bytes)
    index[key] = { notice, check, file, bytes: bytes.length, sha256, packs: laid.index }
    if (models[key]) index[key].model = models[key]
  }
  return index
}

/** The archive's files as read by readArchive. */
export type ArchiveFiles = { held: ArchivedCheck; buffer: ArrayBuffer }[]

/** The archive as the build wrote it, each file read whole, for Node scripts. */
export async function readArchive(root: string): Promise<ArchiveFiles> {
  const generated = path.join(root, 'src/generated')
  const index = JSON.parse(await readFile(path.join(generated, 'archive.json'), 'utf8')) as Record<
    string,
    ArchivedCheck
  >
  return Promise.all(
    Object.values(index).map(async (held) => ({
      held,
      // A copy: an ArrayBuffer of its own, 4-byte aligned, as fetch's arrayBuffer() gives it.
      buffer: new Uint8Array(await readFile(path.join(root, ASSETS_DIR, held.file))).buffer,
    })),
  )
}
