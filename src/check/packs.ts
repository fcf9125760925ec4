/**
 * The compiled check versions of the Worker, one rule pack per (notice version, check version),
 * each with its check version's model (the learned channel).
 *
 * For each notice version, its newest check version (what a caller gets without asking) is in
 * the bundle: its tables and descriptions are one Data module (src/generated/rulepacks.bin, an
 * ArrayBuffer the runtime hands over with the script, viewed in place; rulepacks.json only lists
 * them) and its model another (checkmodels.bin). Older check versions, which a caller gets only by
 * pinning one ("check": 4), are in the archive: one file per check version among the Worker's
 * static assets, listed with its sha256 in archive.json (scripts/check-archive.ts says why), read
 * through an ArchiveReader when first pinned and verified before use. Each pack is prepared on
 * first use and kept for the isolate's life.
 */
import { sha256Hex } from '../content/canonical'
import archive from '../generated/archive.json'
import models from '../generated/checkmodels.json'
import modelTables from '../generated/checkmodels.bin'
import packs from '../generated/rulepacks.json'
import tables from '../generated/rulepacks.bin'
import { loadCheckModel, type CheckModel, type CheckModelData } from './model'
import {
  loadRulePack,
  packDataAt,
  packKey,
  withModel,
  type ArchivedCheck,
  type RulePack,
  type RulePackIndexEntry,
} from './pack'

/** Reads one file of the archive (its path among the static assets) whole. */
export type ArchiveReader = (file: string) => Promise<ArrayBuffer>

/** The archive as the Worker's ASSETS binding serves it (wrangler.toml's [assets]). */
export function assetsArchive(assets: {
  fetch: (request: Request) => Promise<Response>
}): ArchiveReader {
  return async (file) => {
    // The binding ignores the host: any absolute URL with the file's path.
    const response = await assets.fetch(new Request(new URL(file, 'https://assets.invalid')))
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`)
    return response.arrayBuffer()
  }
}

/** The archive could not give a pinned check version (its file missing, unreadable or altered). */
export class ArchiveUnavailableError extends Error {}

const bundled = packs as unknown as Record<string, RulePackIndexEntry>
const bundledModels = models as unknown as Record<string, CheckModelData>
const archived = archive as unknown as Record<string, ArchivedCheck>
const loaded = new Map<string, RulePack>()
const modelsLoaded = new Map<string, CheckModel>()
/** An archived check version's file, read and verified once per isolate (a failure is retried). */
const archiveFiles = new Map<string, Promise<ArrayBuffer>>()

/** Check versions that cover each notice version, ascending: "notice@version" -> [1, 2...]. */
const checksOf = new Map<string, number[]>()
for (const entry of [
  ...Object.values(bundled),
  ...Object.values(archived).flatMap((held) => Object.values(held.packs)),
]) {
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

/** Whether a notice version's check version answers without reading the archive. */
export function isBundled(notice: string, version: number, check: number): boolean {
  return packKey(notice, version, check) in bundled
}

/**
 * The message check of one notice version: by default its newest check version, or the check
 * version asked for; undefined if there is none. An archived version is read with `read`;
 * throws ArchiveUnavailableError if that fails.
 */
export async function rulePackFor(
  read: ArchiveReader,
  notice: string,
  version: number,
  check?: number,
): Promise<RulePack | undefined> {
  const n = check ?? checkVersionsFor(notice, version).at(-1)
  if (n === undefined) return undefined
  const key = packKey(notice, version, n)
  const ready = loaded.get(key)
  if (ready) return ready
  const entry = bundled[key]
  let pack: RulePack
  if (entry) {
    pack = withModel(loadRulePack(packDataAt(entry, tables), tables), bundledModel(notice, n))
  } else {
    const held = archived[`${notice}@c${n}`]
    const heldEntry = held?.packs[key]
    if (!held || !heldEntry) return undefined
    const buffer = await archiveFile(held, read)
    pack = withModel(
      loadRulePack(packDataAt(heldEntry, buffer), buffer),
      archivedModel(held, buffer),
    )
  }
  // Two first requests may both have loaded it: keep one, so a pack is always the same object.
  const first = loaded.get(key) ?? pack
  loaded.set(key, first)
  return first
}

/** The model of a notice's check version (c<n>), or undefined if that version has none. */
export async function checkModelFor(
  read: ArchiveReader,
  notice: string,
  check: number,
): Promise<CheckModel | undefined> {
  const held = archived[`${notice}@c${check}`]
  if (!held) return bundledModel(notice, check)
  return archivedModel(held, await archiveFile(held, read))
}

const bundledModel = (notice: string, check: number) =>
  modelOf(`${notice}@c${check}`, bundledModels[`${notice}@c${check}`], modelTables)

/** One model per archived check version, however many notice versions' packs share it. */
const archivedModel = (held: ArchivedCheck, buffer: ArrayBuffer) =>
  modelOf(`${held.notice}@c${held.check}`, held.model, buffer)

/** A check version's model, loaded from its tables on first use and then kept. */
function modelOf(
  key: string,
  data: CheckModelData | undefined,
  buffer: ArrayBuffer,
): CheckModel | undefined {
  if (!data) return undefined
  let model = modelsLoaded.get(key)
  if (!model) {
    model = loadCheckModel(data, buffer)
    modelsLoaded.set(key, model)
  }
  return model
}

function archiveFile(held: ArchivedCheck, read: ArchiveReader): Promise<ArrayBuffer> {
  let file = archiveFiles.get(held.file)
  if (!file) {
    file = readVerified(held, read)
    archiveFiles.set(held.file, file)
    // Not kept when it failed: the next caller tries again.
    file.catch(() => archiveFiles.delete(held.file))
  }
  return file
}

async function readVerified(held: ArchivedCheck, read: ArchiveReader): Promise<ArrayBuffer> {
  const where = `check version c${held.check} of "${held.notice}" (${held.file})`
  let buffer: ArrayBuffer
  try {
    buffer = await read(held.file)
  } catch (error) {
    throw new ArchiveUnavailableError(`${where} could not be read: ${String(error)}`)
  }
  if (buffer.byteLength !== held.bytes || (await sha256Hex(new Uint8Array(buffer))) !== held.sha256)
    throw new ArchiveUnavailableError(`${where} does not match its sha256: rebuild and redeploy`)
  return buffer
}

const noticesChecked = [
  ...new Set([...checksOf.keys()].map((key) => key.slice(0, key.lastIndexOf('@')))),
]

/** Notices that have a message check in at least one version, in the packs' order. */
export function checkedNotices(): string[] {
  return [...noticesChecked]
}
