/** The JSON form of compiled content, shared by the API and anything that embeds a version. */
import { ruleHistory, versionStatus } from './catalog'
import type { CompiledNotice, CompiledRule, CompiledVersion, Lang } from './types'

export const versionUrl = (v: Pick<CompiledVersion, 'notice' | 'version'>) =>
  `/api/notices/${v.notice}/versions/${v.version}`

export const versionSha256Url = (v: Pick<CompiledVersion, 'notice' | 'sha256'>) =>
  `/api/notices/${v.notice}/versions/sha256:${v.sha256}`

export function presentVersionSummary(
  notice: CompiledNotice,
  v: CompiledVersion,
  lang: Lang,
  now = new Date(),
) {
  const status = versionStatus(notice, v, now).kind
  return {
    notice: v.notice,
    version: v.version,
    effectiveFrom: v.effectiveFrom,
    current: status === 'current',
    inEffect: status !== 'upcoming',
    status,
    sha256: v.sha256,
    summary: v.summary[lang],
    url: versionUrl(v),
    sha256Url: versionSha256Url(v),
  }
}

export function presentRule(v: CompiledVersion, rule: CompiledRule) {
  const change = v.changes[rule.id] ?? 'unchanged'
  return { ...rule, change, changedMaterially: change === 'material' || change === 'added' }
}

/** A whole version. Nothing here may depend on today's date: it is cached as immutable. */
export function presentVersion(v: CompiledVersion, lang: Lang) {
  const language = v.languages[lang]
  return {
    notice: v.notice,
    version: v.version,
    effectiveFrom: v.effectiveFrom,
    sha256: v.sha256,
    summary: v.summary[lang],
    url: versionUrl(v),
    sha256Url: versionSha256Url(v),
    title: language.title,
    lang,
    textSha256: language.textSha256,
    intro: language.intro,
    introHtml: language.introHtml,
    removedRules: v.removed,
    rules: language.rules.map((rule) => presentRule(v, rule)),
  }
}

export function presentRuleDetail(
  notice: CompiledNotice,
  v: CompiledVersion,
  rule: CompiledRule,
  lang: Lang,
) {
  return {
    notice: notice.id,
    version: v.version,
    sha256: v.sha256,
    lang,
    rule: presentRule(v, rule),
    history: ruleHistory(notice, rule.id).map((h) => ({
      ...h,
      url: `${versionUrl({ notice: notice.id, version: h.version })}#${rule.id}`,
    })),
  }
}
