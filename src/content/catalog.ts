/** The compiled content, read-only: the only way routes and domain modules reach notices. */
import compiled from '../generated/content.json'
import type { CompiledContent, CompiledNotice, CompiledRule, CompiledVersion, Lang } from './types'

const content = compiled as CompiledContent

export function listNotices(): readonly CompiledNotice[] {
  return content.notices
}

export function findNotice(id: string): CompiledNotice | undefined {
  return content.notices.find((notice) => notice.id === id)
}

export function findVersion(notice: CompiledNotice, version: number): CompiledVersion | undefined {
  return notice.versions[version - 1]
}

export function findVersionBySha256(sha256: string): CompiledVersion | undefined {
  for (const notice of content.notices)
    for (const version of notice.versions) if (version.sha256 === sha256) return version
  return undefined
}

/** The version of this notice whose canonical content has this SHA-256 (lowercase hex). */
export function findVersionByDigest(
  notice: CompiledNotice,
  sha256: string,
): CompiledVersion | undefined {
  return notice.versions.find((version) => version.sha256 === sha256)
}

const DAY_MS = 86_400_000
let memoDay = NaN
let memoDate = ''

/** The UTC date of `now` as YYYY-MM-DD; the string is made once a day, not on every request. */
export function dayOf(now: Date): string {
  const day = Math.floor(now.getTime() / DAY_MS)
  if (day !== memoDay) {
    memoDate = now.toISOString().slice(0, 10)
    memoDay = day
  }
  return memoDate
}

/** The latest version already in effect; versions dated in the future are published, not current. */
export function currentVersion(
  notice: CompiledNotice,
  now = new Date(),
): CompiledVersion | undefined {
  const today = dayOf(now)
  return notice.versions.findLast((version) => version.effectiveFrom <= today)
}

/**
 * Where a version stands today. A superseded version names the version that replaced it, which
 * is a fact that never changes again: its page may say so and still be cached as immutable.
 */
export type VersionStatus =
  | { kind: 'current'; upcoming: CompiledVersion[] }
  | { kind: 'superseded'; by: CompiledVersion }
  | { kind: 'upcoming'; current: CompiledVersion | undefined }

export function versionStatus(
  notice: CompiledNotice,
  version: CompiledVersion,
  now = new Date(),
): VersionStatus {
  const current = currentVersion(notice, now)
  if (!current || version.version > current.version) return { kind: 'upcoming', current }
  if (version.version < current.version)
    return { kind: 'superseded', by: notice.versions[version.version]! }
  return { kind: 'current', upcoming: upcomingVersions(notice, now) }
}

/** Published versions whose effective date has not come yet, oldest first. */
export function upcomingVersions(notice: CompiledNotice, now = new Date()): CompiledVersion[] {
  const today = dayOf(now)
  return notice.versions.filter((version) => version.effectiveFrom > today)
}

/**
 * A version resets acknowledgements when it adds a rule or changes one materially; editorial
 * changes and removed rules do not, since nothing anyone undertook to do has become stricter.
 */
export function changesMaterially(version: CompiledVersion): boolean {
  return Object.values(version.changes).some((c) => c === 'added' || c === 'material')
}

/** A rule in the current version of whichever notice has it (rule ids are unique across notices). */
export function findCurrentRule(
  ruleId: string,
  lang: Lang,
  now = new Date(),
): { notice: CompiledNotice; version: CompiledVersion; rule: CompiledRule } | undefined {
  for (const notice of content.notices) {
    const version = currentVersion(notice, now)
    const rule = version?.languages[lang].rules.find((r) => r.id === ruleId)
    if (version && rule) return { notice, version, rule }
  }
  return undefined
}

/** Every version in which a rule appears, with how it changed there. */
export function ruleHistory(notice: CompiledNotice, ruleId: string) {
  return notice.versions
    .filter((version) => version.changes[ruleId])
    .map((version) => ({
      version: version.version,
      effectiveFrom: version.effectiveFrom,
      change: version.changes[ruleId]!,
    }))
}
