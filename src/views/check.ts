import { html } from 'hono/html'
import type { CheckResult, Hit } from '../check/engine'
import type { CompiledVersion } from '../content/types'
import type { Lang } from '../i18n'
import { withLang, type Html } from './layout'
import { digestPath } from './notice'

const messages = {
  zh: {
    title: '发送前检查',
    intro:
      '把要发的微信消息粘贴到这里，检查它是否可能触碰八条红线。消息只用于本次检查，不保存、不记录。',
    label: '消息内容',
    submit: '检查',
    limit: (n: number) => `最多 ${n.toLocaleString('zh')} 字`,
    verdict: { pass: '未发现问题', review: '有内容需要人工判断', block: '请勿发送' },
    sign: { pass: '✓', review: '!', block: '✕' },
    advice: {
      pass: '没有发现可能触碰八条红线的内容。是否发送，仍请自行把握。',
      review: '标为黄色的内容可能触碰红线，请逐条看下面的说明，自己判断后再决定是否发送。',
      block: '标为红色的内容明确触碰红线。请删改后再检查，不要发送原文。',
    },
    kind: { review: '需判断', block: '明确' },
    found: (n: number) => `发现 ${n} 处`,
    listed: (n: number) => `，列出前 ${n} 处`,
    rule: (n: number, title: string) => `第 ${n} 条 ${title}`,
    basis: '检查依据：',
    basisName: (title: string, v: number) => `《${title}》第 ${v} 版`,
    checkVersion: (c: number) => `检查版本 c${c}`,
    again: '修改后再检查',
  },
  en: {
    title: 'Check a message',
    intro:
      'Paste a WeChat message before sending it to see whether it may cross a red line. The message is used for this check only; it is not stored or logged.',
    label: 'Message',
    submit: 'Check',
    limit: (n: number) => `Up to ${n.toLocaleString('en')} characters`,
    verdict: {
      pass: 'Nothing found',
      review: 'Something for a person to judge',
      block: 'Do not send',
    },
    sign: { pass: '✓', review: '!', block: '✕' },
    advice: {
      pass: 'Nothing that may cross the eight red lines was found. Whether to send it is still your call.',
      review:
        'What is marked in amber may cross a red line: read each finding below and judge for yourself before sending.',
      block:
        'What is marked in red clearly crosses a red line. Change it and check again; do not send it as it is.',
    },
    kind: { review: 'to judge', block: 'clear' },
    found: (n: number) => `${n} finding${n === 1 ? '' : 's'}`,
    listed: (n: number) => `, the first ${n} listed`,
    rule: (n: number, title: string) => `Rule ${n}: ${title}`,
    basis: 'Checked against',
    basisName: (title: string, v: number) => `“${title}”, version ${v}`,
    checkVersion: (c: number) => `check version c${c}`,
    again: 'Edit and check again',
  },
} as const

export function checkTitle(lang: Lang): string {
  return messages[lang].title
}

export function checkForm(lang: Lang, maxChars: number, text = ''): Html {
  const m = messages[lang]
  return html`<form method="post" action="${withLang('/check', lang)}">
    <label for="text">${m.label}</label>
    <textarea id="text" name="text" rows="8" maxlength="${maxChars}" required>${text}</textarea>
    <p class="meta">${m.limit(maxChars)}</p>
    <button type="submit">${text ? m.again : m.submit}</button>
  </form>`
}

export function checkPage(lang: Lang, maxChars: number): Html {
  const m = messages[lang]
  return html`<h1>${m.title}</h1>
    <p>${m.intro}</p>
    ${checkForm(lang, maxChars)}`
}

/** The version a check answered by: named, and linked by the SHA-256 it was checked against. */
function basisLink(version: CompiledVersion, lang: Lang) {
  const m = messages[lang]
  return html`<a href="${withLang(digestPath(version), lang)}"
    >${m.basisName(version.languages[lang].title, version.version)}</a
  >`
}

/**
 * The message whole, each hit marked (red for block, amber for review) and numbered at its end;
 * the numbers refer to the findings listed below it, so nothing is inserted into the text itself.
 */
function markedText(text: string, hits: readonly Hit[]): Html[] {
  const cuts = [...new Set([0, text.length, ...hits.flatMap((h) => [h.start, h.end])])].sort(
    (a, b) => a - b,
  )
  const out: Html[] = []
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [from, to] = [cuts[i] as number, cuts[i + 1] as number]
    const piece = text.slice(from, to)
    const over = hits.filter((h) => h.start <= from && h.end >= to)
    const ending = hits.flatMap((h, n) => (h.end === to ? [n + 1] : []))
    const numbers = ending.map((n) => html`<sup class="n">${n}</sup>`)
    out.push(
      over.length
        ? html`<mark class="${over.some((h) => h.verdict === 'block') ? 'block' : 'review'}"
            >${piece}${numbers}</mark
          >`
        : html`${piece}${numbers}`,
    )
  }
  return out
}

function finding(hit: Hit, n: number, version: CompiledVersion, lang: Lang) {
  const m = messages[lang]
  const rule = version.languages[lang].rules.find((r) => r.id === hit.rule)
  return html`<li id="finding-${n}" class="finding ${hit.verdict}">
    <p>
      <span class="n">${n}</span> <mark class="${hit.verdict}">${hit.match}</mark>
      <span class="tag ${hit.verdict}">${m.kind[hit.verdict]}</span>
    </p>
    <p>${hit.reason}</p>
    <p class="links">
      <a href="${withLang(`/rules/${hit.rule}`, lang)}"
        >${rule ? m.rule(rule.number, rule.title) : hit.rule}</a
      >
    </p>
  </li>`
}

export function checkResultPage(
  lang: Lang,
  maxChars: number,
  text: string,
  result: CheckResult,
  basis: CompiledVersion,
  check: { version: number; sha256: string },
): Html {
  const m = messages[lang]
  const { verdict, hits } = result
  return html`<h1>${m.title}</h1>
    <div class="verdict ${verdict}" role="status">
      <p>
        <span class="sign" aria-hidden="true">${m.sign[verdict]}</span>
        <strong>${m.verdict[verdict]}</strong>${
          hits.length
            ? html` · ${m.found(result.totalHits ?? hits.length)}${
                result.truncated ? m.listed(hits.length) : ''
              }`
            : ''
        }
      </p>
      <p>${m.advice[verdict]}</p>
    </div>
    <div class="checked">${markedText(text, hits)}</div>
    ${hits.length ? html`<ol class="findings">${hits.map((hit, i) => finding(hit, i + 1, basis, lang))}</ol>` : ''}
    <p class="meta">
      ${m.basis} ${basisLink(basis, lang)} · ${m.checkVersion(check.version)}
      <span class="hash">${check.sha256.slice(0, 12)}</span>
    </p>
    ${checkForm(lang, maxChars, text)}`
}
