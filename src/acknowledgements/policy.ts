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
