import { html, raw } from 'hono/html'
import type { DiffPart, RuleComparison, VersionComparison } from '../content/compare'
import type { CompiledNotice, CompiledRule, CompiledVersion, RuleChange } from '../content/types'
import { t, type Lang } from '../i18n'
import { withLang, type Html } from './layout'

const noticePath = (notice: string) => `/notices/${notice}`
const versionPath = (notice: string, n: number) => `/notices/${notice}/versions/${n}`

function changeTag(change: RuleChange | undefined, lang: Lang): Html | string {
  const m = t(lang)
  if (!change || change === 'unchanged') return ''
  const label = { added: m.added, material: m.material, editorial: m.editorial }[change]
  return html` <span class="tag ${change}">${label}</span>`
}

function ruleSection(
  version: CompiledVersion,
  rule: CompiledRule,
  lang: Lang,
  showChanges: boolean,
) {
  return html`<section class="rule" id="${rule.id}">
    <h2>
      <span class="n">${rule.number}.</span>
      ${rule.title}${showChanges && version.version > 1 ? changeTag(version.changes[rule.id], lang) : ''}
    </h2>
    ${raw(rule.html)}
    <p class="meta noprint">
      <a href="${withLang(`/rules/${rule.id}`, lang)}">${t(lang).ruleHistory}</a>
    </p>
  </section>`
}

/** The full text of one version: what the notice page shows, and what an official acknowledges. */
export function versionText(version: CompiledVersion, lang: Lang, options: { current: boolean }) {
  const m = t(lang)
  const language = version.languages[lang]
  const future = !options.current && version.effectiveFrom > new Date().toISOString().slice(0, 10)
  return html`<h1>${language.title}</h1>
    <p class="meta">
      ${m.version(version.version)} · ${m.effectiveFrom}
      ${version.effectiveFrom}${future ? html` · <strong>${m.notYetInEffect}</strong>` : ''}
    </p>
    ${raw(language.introHtml)}
    ${language.rules.map((rule) => ruleSection(version, rule, lang, true))}`
}

export function versionPage(
  version: CompiledVersion,
  lang: Lang,
  options: { current: boolean },
): Html {
  const m = t(lang)
  return html`${versionText(version, lang, options)}
    <div class="notice-box meta noprint">
      <p>${m.summary}: ${version.summary[lang]}</p>
      <p>${m.sha256}: <span class="hash">${version.sha256}</span></p>
      <p>
        <a href="${withLang(versionPath(version.notice, version.version), lang)}">${m.permalink}</a>
        · <a href="${withLang(`${noticePath(version.notice)}/versions`, lang)}">${m.history}</a> ·
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
              <a href="${withLang(noticePath(notice.id), lang)}"
                >${current.languages[lang].title}</a
              >
            </h2>
            <p class="meta">
              ${m.current}: ${m.version(current.version)} · ${m.effectiveFrom}
              ${current.effectiveFrom}
            </p>
            <ol>
              ${current.languages[lang].rules.map((rule) => html`<li><a href="${withLang(`${noticePath(notice.id)}#${rule.id}`, lang)}">${rule.title}</a></li>`)}
            </ol>
            <p class="meta">
              <a href="${withLang(`${noticePath(notice.id)}/versions`, lang)}">${m.history}</a>
            </p>
          </section>`
        : '',
    )}`
}

export function historyPage(
  notice: CompiledNotice,
  current: CompiledVersion | undefined,
  lang: Lang,
): Html {
  const m = t(lang)
  const versions = [...notice.versions].reverse()
  return html`<h1>${m.history}</h1>
    <p class="meta">
      <a href="${withLang(noticePath(notice.id), lang)}"
        >${(current ?? versions[0])?.languages[lang].title}</a
      >
    </p>
    <table>
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
              <td>
                <a href="${withLang(versionPath(notice.id, v.version), lang)}"
                  >${m.version(v.version)}</a
                >${v === current ? html` <span class="tag">${m.current}</span>` : ''}
              </td>
              <td>${v.effectiveFrom}</td>
              <td>
                ${v.summary[lang]}${
                  v.version > 1
                    ? html`<br /><a
                          href="${withLang(`${noticePath(notice.id)}/compare/${v.version - 1}...${v.version}`, lang)}"
                          >${m.compareWith(v.version - 1, v.version)}</a
                        >`
                    : ''
                }<br /><span class="hash">${v.sha256}</span>
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

export function comparePage(comparison: VersionComparison, title: string, lang: Lang): Html {
  const m = t(lang)
  const { notice, from, to } = comparison
  const links = html`<a href="${withLang(noticePath(notice), lang)}">${title}</a> · <a href="${withLang(versionPath(notice, from), lang)}">${m.version(from)}</a> → <a href="${withLang(versionPath(notice, to), lang)}">${m.version(to)}</a>`
  const section = (rule: RuleComparison) => {
    const heading = rule.titleDiff.length
      ? diffHtml(rule.titleDiff)
      : (rule.titleTo ?? rule.titleFrom)
    const body = rule.diff.length ? html`<div class="diff">${diffHtml(rule.diff)}</div>` : ''
    return html`<section class="rule" id="${rule.id}"><h2>${heading} ${compareTag(rule, lang)}</h2>${body}</section>`
  }
  return html`<h1>${m.compareWith(from, to)}</h1><p class="meta">${links}</p>${comparison.rules.map(section)}`
}

export function rulePage(
  notice: CompiledNotice,
  version: CompiledVersion,
  rule: CompiledRule,
  history: { version: number; effectiveFrom: string; change: RuleChange }[],
  lang: Lang,
): Html {
  const m = t(lang)
  return html`<p class="meta">
      <a href="${withLang(`${noticePath(notice.id)}#${rule.id}`, lang)}"
        >${version.languages[lang].title}</a
      >
      · ${m.version(version.version)}
    </p>
    <h1>${rule.number}. ${rule.title}</h1>
    ${raw(rule.html)}
    <h2>${m.ruleHistory}</h2>
    <ul>
      ${history.map(
        (h) =>
          html`<li>
            <a href="${withLang(`${versionPath(notice.id, h.version)}#${rule.id}`, lang)}"
              >${m.version(h.version)}</a
            >
            (${h.effectiveFrom})${changeTag(h.change, lang)}${
              h.version > 1 && h.change !== 'unchanged' && h.change !== 'added'
                ? html` ·
                    <a
                      href="${withLang(`${noticePath(notice.id)}/compare/${h.version - 1}...${h.version}#${rule.id}`, lang)}"
                      >${m.compare}</a
                    >`
                : ''
            }
          </li>`,
      )}
    </ul>
    <p><a href="${withLang(noticePath(notice.id), lang)}">${m.viewWholeNotice}</a></p>`
}

export function errorPage(status: number, message: string, lang: Lang): Html {
  const m = t(lang)
  return html`<h1>${status} · ${m.error}</h1>
    <p>${message}</p>
    <p><a href="${withLang('/', lang)}">${m.backHome}</a></p>`
}
