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

/** The latest version already in effect; versions dated in the future are published, not current. */
export function currentVersion(
  notice: CompiledNotice,
  now = new Date(),
): CompiledVersion | undefined {
  const today = now.toISOString().slice(0, 10)
  return notice.versions.findLast((version) => version.effectiveFrom <= today)
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
