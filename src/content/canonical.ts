import type { CompiledLanguage, CompiledVersion, Lang } from './types'

/** JSON with object keys sorted at every depth, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export async function sha256Hex(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  const digest = await crypto.subtle.digest('SHA-256', bytes)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** The part of one language that a reader sees; HTML is derived, so it is not hashed. */
export function canonicalLanguageText(
  notice: string,
  version: number,
  lang: Lang,
  language: Pick<CompiledLanguage, 'title' | 'intro' | 'rules'>,
): string {
  return canonicalJson({
    notice,
    version,
    lang,
    title: language.title,
    intro: language.intro,
    rules: language.rules.map(({ id, number, title, text }) => ({ id, number, title, text })),
  })
}

/** Everything that defines a published version. Its hash is the version's address and lock. */
export function canonicalVersion(version: Omit<CompiledVersion, 'sha256'>): string {
  // Only the changes an author declares are content; 'added' and 'unchanged' are derived.
  const declared = Object.fromEntries(
    Object.entries(version.changes).filter(([, c]) => c === 'material' || c === 'editorial'),
  )
  return canonicalJson({
    notice: version.notice,
    version: version.version,
    effectiveFrom: version.effectiveFrom,
    summary: version.summary,
    changes: declared,
    checkSha256: version.checkSha256,
    languages: Object.fromEntries(
      Object.entries(version.languages).map(([lang, language]) => [
        lang,
        canonicalLanguageText(version.notice, version.version, lang as Lang, language),
      ]),
    ),
  })
}
