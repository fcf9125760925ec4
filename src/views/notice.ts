import { html, raw } from 'hono/html'
import type { VersionStatus } from '../content/catalog'
import type { DiffPart, RuleComparison, VersionComparison } from '../content/compare'
import type { CompiledNotice, CompiledRule, CompiledVersion, RuleChange } from '../content/types'
import { t, type Lang } from '../i18n'
import { withLang, type Html } from './layout'

export const noticePath = (notice: string) => `/notices/${notice}`
export const versionPath = (notice: string, n: number) => `/notices/${notice}/versions/${n}`
export const digestPath = (v: Pick<CompiledVersion, 'notice' | 'sha256'>) =>
  `/notices/${v.notice}/versions/sha256:${v.sha256}`
const comparePath = (notice: string, a: number, b: number) =>
  `/notices/${notice}/compare/${a}...${b}`

/** Text with every YYYY-MM-DD date kept on one line: a phone must not show "2017-06-" / "01". */
export function keepDates(text: string): (string | Html)[] {
  return text
    .split(/(\d{4}-\d{2}-\d{2})/)
    .map((part, i) => (i % 2 ? html`<span class="nowrap">${part}</span>` : part))
}

function changeTag(change: RuleChange | undefined, lang: Lang): Html | string {
  const m = t(lang)
  if (!change || change === 'unchanged') return ''
  const label = { added: m.added, material: m.material, editorial: m.editorial }[change]
  return html` <span class="tag ${change}">${label}</span>`
}

function ruleSection(version: CompiledVersion, rule: CompiledRule, lang: Lang, ruleLinks: boolean) {
  return html`<section class="rule" id="${rule.id}">
    <h2>
      <span class="n">${rule.number}.</span>
      ${rule.title}${version.version > 1 ? changeTag(version.changes[rule.id], lang) : ''}
    </h2>
    ${raw(rule.html)}
    ${
      ruleLinks
        ? html`<p class="meta noprint links">
            <a href="${withLang(`/rules/${rule.id}`, lang)}">${t(lang).ruleHistory}</a>
          </p>`
        : ''
    }
  </section>`
}

/**
 * The full text of one version: what the notice page shows, and what an official acknowledges
 * (without the links to each rule's history there, so the reader stays on the page).
 */
export function versionText(
  version: CompiledVersion,
  lang: Lang,
  options: { current: boolean; ruleLinks?: boolean },
) {
  const m = t(lang)
  const language = version.languages[lang]
  const future = !options.current && version.effectiveFrom > new Date().toISOString().slice(0, 10)
  return html`<h1>${language.title}</h1>
    <p class="meta">
      ${m.version(version.version)} · ${m.effectiveFrom}
      <span class="nowrap">${version.effectiveFrom}</span>${future ? html` · <strong>${m.notYetInEffect}</strong>` : ''}
    </p>
    ${raw(language.introHtml)}
    ${language.rules.map((rule) => ruleSection(version, rule, lang, options.ruleLinks ?? true))}`
}

/** Where the version stands, first on its page: replaced (by which, since when), upcoming, or in effect. */
function statusBox(
  version: CompiledVersion,
  status: VersionStatus,
  lang: Lang,
  onCurrentPage: boolean,
) {
  const m = t(lang)
  const { notice } = version
  if (status.kind === 'superseded')
    return html`<div class="status-box superseded" role="note">
      <p><strong>${keepDates(m.supersededBy(status.by.version, status.by.effectiveFrom))}</strong></p>
      <p class="links">
        <a href="${withLang(noticePath(notice), lang)}">${m.readCurrent}</a>
        <a href="${withLang(comparePath(notice, version.version, status.by.version), lang)}"
          >${m.whatChanged(version.version, status.by.version)}</a
        >
      </p>
    </div>`
  if (status.kind === 'upcoming')
    return html`<div class="status-box upcoming" role="note">
      <p>
        <strong>${keepDates(m.upcoming(version.effectiveFrom))}</strong>
        ${status.current ? m.currentUntil(status.current.version) : ''}
      </p>
      ${
        status.current
          ? html`<p class="links">
              <a href="${withLang(noticePath(notice), lang)}">${m.readCurrent}</a>
              <a href="${withLang(comparePath(notice, status.current.version, version.version), lang)}"
                >${m.whatChanged(status.current.version, version.version)}</a
              >
            </p>`
          : ''
      }
    </div>`
  const announcements = status.upcoming.map(
    (next) => html`<div class="status-box upcoming" role="note">
      <p><strong>${keepDates(m.announce(next.version, next.effectiveFrom))}</strong></p>
      <p class="links">
        <a href="${withLang(versionPath(notice, next.version), lang)}">${m.readVersion(next.version)}</a>
        <a href="${withLang(comparePath(notice, version.version, next.version), lang)}"
          >${m.whatChanged(version.version, next.version)}</a
        >
      </p>
    </div>`,
  )
  return html`${announcements}${onCurrentPage ? '' : html`<p class="meta">${m.isCurrent}</p>`}`
}

/** A version's page: where it stands, its text, then its summary, digest and addresses. */
export function versionPage(
  version: CompiledVersion,
  lang: Lang,
  options: { status: VersionStatus; onCurrentPage: boolean },
): Html {
  const m = t(lang)
  const { status } = options
  return html`${statusBox(version, status, lang, options.onCurrentPage)}
    ${versionText(version, lang, { current: status.kind === 'current' })}
    <div class="notice-box meta noprint">
      <p>${m.summary}: ${version.summary[lang]}</p>
      <p>${m.sha256}: <span class="hash">${version.sha256}</span></p>
      <p class="links">
        <a href="${withLang(versionPath(version.notice, version.version), lang)}">${m.permalink}</a>
        <a href="${withLang(digestPath(version), lang)}">${m.sha256Address}</a>
        <a href="${withLang(`${noticePath(version.notice)}/versions`, lang)}">${m.history}</a>
        <a href="/api${versionPath(version.notice, version.version)}?lang=${lang}">${m.json}</a>
      </p>
    </div>`
}

export function noticeList(
  notices: readonly { notice: CompiledNotice; current: CompiledVersion | undefined }[],
  lang: Lang,
): Html {
  const m = t(lang)
  return html`<h1>${m.notices}</h1>
    ${notices.map(({ notice, current }) =>
      current
        ? html`<section class="rule">
            <h2>
              <a class="tap" href="${withLang(noticePath(notice.id), lang)}"
                >${current.languages[lang].title}</a
              >
            </h2>
            <p class="meta">
              ${m.current}: ${m.version(current.version)} · ${m.effectiveFrom}
              <span class="nowrap">${current.effectiveFrom}</span>
            </p>
            <ol class="toc">
              ${current.languages[lang].rules.map((rule) => html`<li><a href="${withLang(`${noticePath(notice.id)}#${rule.id}`, lang)}">${rule.title}</a></li>`)}
            </ol>
            <p class="meta links">
              <a href="${withLang(`${noticePath(notice.id)}/versions`, lang)}">${m.history}</a>
            </p>
          </section>`
        : '',
    )}`
}

export function historyPage(
  notice: CompiledNotice,
  statuses: ReadonlyMap<CompiledVersion, VersionStatus>,
  current: CompiledVersion | undefined,
  lang: Lang,
): Html {
  const m = t(lang)
  const versions = [...notice.versions].reverse()
  const tag = (status: VersionStatus | undefined) =>
    status?.kind === 'current'
      ? html`<span class="tag current">${m.tagCurrent}</span>`
      : status?.kind === 'upcoming'
        ? html`<span class="tag upcoming">${m.tagUpcoming}</span>`
        : html`<span class="tag">${m.tagSuperseded}</span>`
  return html`<h1>${m.history}</h1>
    <p class="meta links">
      <a href="${withLang(noticePath(notice.id), lang)}"
        >${(current ?? versions[0])?.languages[lang].title}</a
      >
    </p>
    <table class="history">
      <thead>
        <tr>
          <th>${m.versionLabel}</th>
          <th>${m.effectiveFrom}</th>
          <th>${m.summary}</th>
        </tr>
      </thead>
      <tbody>
        ${versions.map(
          (v) =>
            html`<tr>
              <td class="nowrap">
                <a class="tap" href="${withLang(versionPath(notice.id, v.version), lang)}"
                  >${m.version(v.version)}</a
                ><br />${tag(statuses.get(v))}
              </td>
              <td class="nowrap">${v.effectiveFrom}</td>
              <td>
                ${v.summary[lang]}${
                  v.version > 1
                    ? html`<br /><a
                          class="tap"
                          href="${withLang(comparePath(notice.id, v.version - 1, v.version), lang)}"
                          >${m.compareWith(v.version - 1, v.version)}</a
                        >`
                    : ''
                }<br /><a class="tap hash" href="${withLang(digestPath(v), lang)}">${v.sha256}</a>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`
}

function diffHtml(parts: DiffPart[]) {
  return parts.map((part) =>
    part.op === 'insert'
      ? html`<ins>${part.text}</ins>`
      : part.op === 'delete'
        ? html`<del>${part.text}</del>`
        : part.text,
  )
}

function compareTag(rule: RuleComparison, lang: Lang) {
  const m = t(lang)
  if (rule.status === 'changed')
    return rule.material
      ? html`<span class="tag material">${m.material}</span>`
      : html`<span class="tag">${m.editorial}</span>`
  const label = { added: m.added, removed: m.removed, unchanged: m.unchanged }[rule.status]
  return html`<span class="tag ${rule.status}">${label}</span>`
}

/** Rule numbers by kind of change, for the comparison's one-line summary. */
function compareCounts(comparison: VersionComparison) {
  const numbers = (rules: RuleComparison[]) =>
    rules.map((r) => (r.numberTo ?? r.numberFrom) as number)
  const changed = comparison.rules.filter((r) => r.status === 'changed')
  return {
    from: comparison.from,
    to: comparison.to,
    added: numbers(comparison.rules.filter((r) => r.status === 'added')),
    material: numbers(changed.filter((r) => r.material)),
    editorial: numbers(changed.filter((r) => !r.material)),
    removed: numbers(comparison.rules.filter((r) => r.status === 'removed')),
  }
}

/** "4." or, when the rule moved, "3 → 4." */
function ruleNumber(rule: RuleComparison): string {
  const { numberFrom: a, numberTo: b } = rule
  return a !== null && b !== null && a !== b ? `${a} → ${b}.` : `${b ?? a}.`
}

export function comparePage(comparison: VersionComparison, title: string, lang: Lang): Html {
  const m = t(lang)
  const { notice, from, to } = comparison
  const [older, newer] = from <= to ? [from, to] : [to, from]
  const section = (rule: RuleComparison) => {
    const heading = rule.titleDiff.length
      ? diffHtml(rule.titleDiff)
      : (rule.titleTo ?? rule.titleFrom)
    const body = rule.diff.length ? html`<div class="diff">${diffHtml(rule.diff)}</div>` : ''
    return html`<section class="rule" id="${rule.id}"><h2><span class="n">${ruleNumber(rule)}</span> ${heading} ${compareTag(rule, lang)}</h2>${body}</section>`
  }
  return html`<h1>${m.compareWith(from, to)}</h1>
    <div class="status-box${comparison.requiresReacknowledgement ? ' material' : ''}">
      <p><strong>${m.compareSummary(compareCounts(comparison))}</strong></p>
      ${older !== newer ? html`<p>${m.reacknowledge(older, newer, comparison.requiresReacknowledgement)}</p>` : ''}
    </div>
    <p class="meta links">
      <a href="${withLang(noticePath(notice), lang)}">${title}</a>
      <a href="${withLang(versionPath(notice, from), lang)}">${m.version(from)}</a>
      <a href="${withLang(versionPath(notice, to), lang)}">${m.version(to)}</a>
    </p>
    ${comparison.rules.map(section)}`
}

export function rulePage(
  notice: CompiledNotice,
  version: CompiledVersion,
  rule: CompiledRule,
  history: { version: number; effectiveFrom: string; change: RuleChange }[],
  lang: Lang,
): Html {
  const m = t(lang)
  return html`<p class="meta links">
      <a href="${withLang(`${noticePath(notice.id)}#${rule.id}`, lang)}"
        >${version.languages[lang].title} · ${m.version(version.version)}</a
      >
    </p>
    <h1>${rule.number}. ${rule.title}</h1>
    ${raw(rule.html)}
    <h2>${m.ruleHistory}</h2>
    <ul class="plain">
      ${history.map(
        (h) =>
          html`<li class="links">
            <a href="${withLang(`${versionPath(notice.id, h.version)}#${rule.id}`, lang)}"
              >${m.version(h.version)}</a
            >
            <span class="nowrap">${h.effectiveFrom}</span>${changeTag(h.change, lang)}${
              h.version > 1 && h.change !== 'unchanged' && h.change !== 'added'
                ? html`<a
                    href="${withLang(`${comparePath(notice.id, h.version - 1, h.version)}#${rule.id}`, lang)}"
                    >${m.compare}</a
                  >`
                : ''
            }
          </li>`,
      )}
    </ul>
    <p class="links"><a href="${withLang(noticePath(notice.id), lang)}">${m.viewWholeNotice}</a></p>`
}
