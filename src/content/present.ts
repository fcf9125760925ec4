/** The JSON form of compiled content, shared by the API and anything that embeds a version. */
import { currentVersion, ruleHistory } from './catalog'
import type { CompiledNotice, CompiledRule, CompiledVersion, Lang } from './types'

const today = () => new Date().toISOString().slice(0, 10)

export const versionUrl = (v: Pick<CompiledVersion, 'notice' | 'version'>) =>
  `/api/notices/${v.notice}/versions/${v.version}`

export function presentVersionSummary(notice: CompiledNotice, v: CompiledVersion, lang: Lang) {
  return {
    notice: v.notice,
    version: v.version,
    effectiveFrom: v.effectiveFrom,
    current: currentVersion(notice) === v,
    inEffect: v.effectiveFrom <= today(),
    sha256: v.sha256,
    summary: v.summary[lang],
    url: versionUrl(v),
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
