/** Which acknowledgements count for which version, and what an official declares. Pure. */
import { changesMaterially, currentVersion } from '../content/catalog'
import type { CompiledNotice, CompiledVersion, Lang } from '../content/types'

/**
 * The oldest version whose acknowledgement still counts for `version`: the latest version at or
 * before it that changed a rule materially (or added one). Editorial changes and removed rules
 * do not reset anyone, since nothing the official undertook to do has become stricter.
 */
export function baselineVersion(notice: CompiledNotice, version: number): number {
  for (let n = version; n > 1; n--) if (changesMaterially(notice.versions[n - 1]!)) return n
  return 1
}

/**
 * The versions whose acknowledgements count for `version`: from its baseline to the last version
 * before the next material change. Acknowledging an editorial successor undertakes the same as
 * acknowledging its predecessor, so within the range each counts for every other.
 */
export function countingRange(
  notice: CompiledNotice,
  version: number,
): { from: number; to: number } {
  let to = version
  while (to < notice.versions.length && !changesMaterially(notice.versions[to]!)) to++
  return { from: baselineVersion(notice, version), to }
}

/**
 * What a link for `version` has the official read and sign now: that version while no newer one
 * is in effect; the version in effect when only editorial versions came between (the official
 * signs the current text, and the receipt names it); nothing once a material change is in effect.
 */
export function versionToSign(
  notice: CompiledNotice,
  version: CompiledVersion,
  now: Date,
): CompiledVersion | undefined {
  const newer = supersededBy(notice, version, now)
  if (!newer) return version
  return countingRange(notice, version.version).to >= newer.version ? newer : undefined
}

/** The version in effect, when it is newer than `version`: links for `version` are then stale. */
export function supersededBy(
  notice: CompiledNotice,
  version: CompiledVersion,
  now: Date,
): CompiledVersion | undefined {
  const current = currentVersion(notice, now)
  return current && current.version > version.version ? current : undefined
}

/** The exact wording an official agrees to; it is stored and signed as shown. */
export function statementFor(version: CompiledVersion, lang: Lang): string {
  const title = version.languages[lang].title
  return lang === 'zh'
    ? `本人已阅读《${title}》第 ${version.version} 版全文，承诺遵守。`
    : `I have read the notice “${title}”, version ${version.version}, in full and will abide by it.`
}
