export const LANGS = ['zh', 'en'] as const
export type Lang = (typeof LANGS)[number]

export type Localized<T = string> = Record<Lang, T>

/** How a rule differs from the same rule in the previous version. */
export type RuleChange = 'added' | 'material' | 'editorial' | 'unchanged'

export interface CompiledRule {
  id: string
  number: number
  title: string
  /** Markdown as authored. */
  text: string
  /** HTML compiled from `text` at build time. */
  html: string
}

export interface CompiledLanguage {
  title: string
  intro: string
  introHtml: string
  rules: CompiledRule[]
  /** SHA-256 of this language's canonical text: what a reader in this language saw. */
  textSha256: string
}

export interface CompiledVersion {
  notice: string
  version: number
  effectiveFrom: string
  summary: Localized
  /** Rule id -> how it changed since the previous version (every rule present is listed). */
  changes: Record<string, RuleChange>
  /** Rule ids present in the previous version and gone from this one. */
  removed: string[]
  /**
   * SHA-256 of the check.json published with this version, or null. Hashed into the version as it
   * was published; the check now has versions of its own (CompiledCheck), c1 naming these files.
   */
  checkSha256: string | null
  /** SHA-256 of the canonical content of the whole version: its immutable address. */
  sha256: string
  languages: Localized<CompiledLanguage>
}

/** A version of the message check (content/notices/<id>/checks/c<n>/), immutable once locked. */
export interface CompiledCheck {
  notice: string
  /** Its number: c1, c2... */
  check: number
  /** When it was made. */
  date: string
  summary: Localized
  /** The check version it builds on, or null. */
  extends: number | null
  /** The notice versions it has a check for, ascending. */
  covers: number[]
  /** SHA-256 over its number and the hash of every file it is made of: its address and lock. */
  sha256: string
}

export interface CompiledNotice {
  id: string
  versions: CompiledVersion[]
  /** Check versions, c1 first. */
  checks: CompiledCheck[]
}

export interface CompiledContent {
  notices: CompiledNotice[]
}
