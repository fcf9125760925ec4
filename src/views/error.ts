/**
 * Error pages for people: what happened, what to do, whom to ask. Status and code stay out of
 * the main text; they sit folded at the end for whoever the reader contacts.
 */
import { html } from 'hono/html'
import { findNotice } from '../content/catalog'
import type { Lang, Localized } from '../content/types'
import { t } from '../i18n'
import { withLang, type Html } from './layout'

const titles: Record<string, Localized> = {
  notice_not_found: { zh: '找不到这份通知', en: 'There is no such notice' },
  version_not_found: { zh: '找不到这个版本', en: 'There is no such version' },
  invalid_version: {
    zh: '版本地址的写法不对',
    en: 'This version address is not written correctly',
  },
  invalid_sha256: { zh: '版本地址的写法不对', en: 'This version address is not written correctly' },
  invalid_range: {
    zh: '比较地址的写法不对',
    en: 'This comparison address is not written correctly',
  },
  rule_not_found: { zh: '找不到这一条', en: 'There is no such rule' },
  no_current_version: { zh: '这份通知还没有生效', en: 'This notice is not in effect yet' },
  rate_limited: { zh: '检查太频繁了', en: 'Too many checks in a short time' },
}

function titleByStatus(status: number): Localized {
  if (status === 404) return { zh: '这里没有内容', en: 'There is nothing at this address' }
  if (status === 413) return { zh: '内容太长', en: 'This is too long' }
  if (status === 429) return { zh: '请求太频繁了', en: 'Too many requests in a short time' }
  if (status >= 500) return { zh: '服务暂时出了问题', en: 'Something went wrong on our side' }
  return { zh: '无法完成这个请求', en: 'This request could not be completed' }
}

export function errorTitle(lang: Lang, status: number, code: string): string {
  return (titles[code] ?? titleByStatus(status))[lang]
}

const todo = {
  findVersion: {
    zh: '版本历史列出了这份通知的每一版，请从那里打开要看的版本。',
    en: 'The version history lists every version of this notice: open the one you need from there.',
  },
  checkAddress: {
    zh: '请检查地址是否完整（从消息中复制时可能缺了一段），或从首页找到要看的通知。',
    en: 'Check that the address is complete (a part may have been lost when it was copied), or find the notice from the start page.',
  },
  wait: { zh: '请等一分钟再试。', en: 'Wait a minute, then try again.' },
  shorten: { zh: '请缩短后再试。', en: 'Shorten it and try again.' },
  later: {
    zh: '这不是您的操作问题。请过几分钟再试；如果一直如此，请联系下面的人。',
    en: 'This is not something you did. Try again in a few minutes; if it keeps happening, contact the person below.',
  },
  retry: {
    zh: '请返回上一页，检查后再试。',
    en: 'Go back to the previous page, check what you entered, and try again.',
  },
} satisfies Record<string, Localized>

const VERSION_CODES = new Set([
  'version_not_found',
  'invalid_version',
  'invalid_sha256',
  'invalid_range',
])

/** What the reader can do next, and the links that get them there. */
function nextSteps(status: number, code: string, path: string, lang: Lang) {
  const m = t(lang)
  const noticeId = /^\/notices\/([^/]+)\//.exec(path)?.[1]
  const home = { href: withLang('/', lang), label: m.backHome }
  if (VERSION_CODES.has(code) && noticeId && findNotice(noticeId))
    return {
      todo: todo.findVersion[lang],
      links: [{ href: withLang(`/notices/${noticeId}/versions`, lang), label: m.history }, home],
    }
  if (status === 404) return { todo: todo.checkAddress[lang], links: [home] }
  if (status === 429) return { todo: todo.wait[lang], links: [home] }
  if (status === 413) return { todo: todo.shorten[lang], links: [home] }
  if (status >= 500) return { todo: todo.later[lang], links: [home] }
  return { todo: todo.retry[lang], links: [home] }
}

const words = {
  zh: {
    contact: (who: string) => `如有疑问，请联系：${who}`,
    details: '技术信息（联系他人时可提供）',
    requestId: '请求编号',
  },
  en: {
    contact: (who: string) => `Questions? Contact: ${who}`,
    details: 'Technical details (to give whoever you contact)',
    requestId: 'request id',
  },
} as const

export interface ErrorPageOptions {
  status: number
  code: string
  /** What happened, already in the reader's language. */
  message: string
  lang: Lang
  path: string
  /** The organisation's contact line (ORG_CONTACT); nothing is shown without one. */
  contact?: string
  requestId?: string
}

export function errorPage(options: ErrorPageOptions): Html {
  const { status, code, lang } = options
  const w = words[lang]
  const next = nextSteps(status, code, options.path, lang)
  const contact = options.contact?.trim()
  return html`<div class="status-box error" role="alert">
      <h1>${errorTitle(lang, status, code)}</h1>
      <p>${options.message}</p>
    </div>
    <p>${next.todo}</p>
    <p class="links">${next.links.map((link) => html`<a href="${link.href}">${link.label}</a>`)}</p>
    ${contact ? html`<p class="contact">${w.contact(contact)}</p>` : ''}
    ${technicalDetails(status, code, options.requestId, lang)}`
}

/**
 * Status, code and request id, folded away for whoever the reader contacts. A fault on our side
 * shows no code (it speaks to operators: a secret not set, the database away); its request id
 * finds it in the log.
 */
export function technicalDetails(
  status: number,
  code: string,
  requestId: string | undefined,
  lang: Lang,
): Html {
  const w = words[lang]
  return html`<details class="meta">
    <summary>${w.details}</summary>
    <p>
      HTTP ${status}${status < 500 ? html` · <code>${code}</code>` : ''}${
        requestId ? html` · ${w.requestId} <code>${requestId}</code>` : ''
      }
    </p>
  </details>`
}
