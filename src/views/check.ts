import { html } from 'hono/html'
import type { CheckResult, Hit } from '../check/engine'
import type { RulePack } from '../check/pack'
import type { Lang } from '../i18n'
import { withLang, type Html } from './layout'

const messages = {
  zh: {
    title: '发送前检查',
    intro:
      '把要发的微信消息粘贴到这里，检查它是否可能触碰八条红线。消息只用于本次检查，不保存、不记录。',
    label: '消息内容',
    submit: '检查',
    limit: (n: number) => `最多 ${n.toLocaleString('zh')} 字`,
    verdict: { pass: '未发现问题', review: '有内容需要人工判断', block: '请勿发送' },
    found: (n: number) => `发现 ${n} 处`,
    listed: (n: number) => `，列出前 ${n} 处`,
    checkedAgainst: (v: number) => `依据：第 ${v} 版`,
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
    found: (n: number) => `${n} finding${n === 1 ? '' : 's'}`,
    listed: (n: number) => `, the first ${n} listed`,
    checkedAgainst: (v: number) => `Checked against version ${v}`,
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

const ruleLink = (pack: RulePack, hit: Hit, lang: Lang) => {
  const rule = pack.rules.find((r) => r.id === hit.rule)
  return html`<a class="tag ${hit.verdict}" href="${withLang(`/rules/${hit.rule}`, lang)}"
    >${rule?.name[lang] ?? hit.rule}</a
  >`
}

/** The message with every hit marked, each followed by a link to the rule it may cross. */
function markedText(text: string, hits: Hit[], pack: RulePack, lang: Lang): Html[] {
  const cuts = [...new Set([0, text.length, ...hits.flatMap((h) => [h.start, h.end])])].sort(
    (a, b) => a - b,
  )
  const out: Html[] = []
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [from, to] = [cuts[i] as number, cuts[i + 1] as number]
    const piece = text.slice(from, to)
    const over = hits.filter((h) => h.start <= from && h.end >= to)
    out.push(
      over.length
        ? html`<mark class="${over.some((h) => h.verdict === 'block') ? 'block' : 'review'}"
            >${piece}</mark
          >`
        : html`${piece}`,
    )
    for (const hit of hits) if (hit.end === to) out.push(ruleLink(pack, hit, lang))
  }
  return out
}

export function checkResultPage(
  lang: Lang,
  maxChars: number,
  text: string,
  result: CheckResult,
  pack: RulePack,
  sha256: string,
  checkSha256: string,
): Html {
  const m = messages[lang]
  return html`<h1>${m.title}</h1>
    <p class="notice-box">
      <strong>${m.verdict[result.verdict]}</strong>
      ${
        result.hits.length
          ? html` · ${m.found(result.totalHits ?? result.hits.length)}${
              result.truncated ? m.listed(result.hits.length) : ''
            }`
          : ''
      }
    </p>
    <div class="checked">${markedText(text, result.hits, pack, lang)}</div>
    ${
      result.hits.length
        ? html`<ol class="findings">
          ${result.hits.map(
            (hit) =>
              html`<li>
                <mark class="${hit.verdict}">${hit.match}</mark> ${ruleLink(pack, hit, lang)}
                <br />${hit.reason}
              </li>`,
          )}
        </ol>`
        : ''
    }
    <p class="meta">
      ${m.checkedAgainst(pack.version)} ·
      <a href="${withLang(`/notices/${pack.notice}/versions/${pack.version}`, lang)}"
        ><span class="hash">${sha256.slice(0, 12)}</span></a
      >
      · ${m.checkVersion(pack.checkVersion)} <span class="hash">${checkSha256.slice(0, 12)}</span>
    </p>
    ${checkForm(lang, maxChars, text)}`
}
