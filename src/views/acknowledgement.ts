import { html } from 'hono/html'
import type { CompiledVersion } from '../content/types'
import type { Lang } from '../i18n'
import type { SignedReceipt } from '../acknowledgements/receipt'
import { localDate, localTime } from '../time'
import { withLang, type Html } from './layout'
import { technicalDetails } from './error'
import { digestPath, versionText } from './notice'

const messages = {
  zh: {
    formTitle: (title: string) => `确认阅读：${title}`,
    personal: '本人确认链接',
    issuedTo: (unit: string) => `本链接仅发给${unit}的一位干部本人，请勿转发。`,
    readFirst: '请阅读以下全文，然后在页面底部确认。',
    dueBy: (date: string) => `请于${date}前完成确认。`,
    textHash: (lang: string) => `所阅文本（${lang === 'zh' ? '中文' : '英文'}）SHA-256`,
    versionHash: '本版本 SHA-256',
    hashes: '核验信息（SHA-256）',
    confirm: '确认',
    statementLabel: '确认声明',
    nameLabel: '请输入您的姓名（与名册一致）',
    submit: '确认并提交',
    fixThis: '请更正：',
    receiptTitle: '确认回执',
    done: '已确认',
    doneDetail: (time: string, title: string, version: number) =>
      `您已于${time}确认阅读《${title}》第 ${version} 版全文，并承诺遵守。`,
    who: '确认人',
    whoIs: (name: string, id: string) => `${name}（${id}）`,
    externalId: '编号',
    unit: '单位',
    typedName: '本人输入的姓名',
    notice: '通知',
    noticeVersion: (title: string, version: number) => `《${title}》第 ${version} 版`,
    statement: '确认声明',
    time: '确认时间',
    timeUtc: '确认时间（UTC，签名所用）',
    receiptId: '回执编号',
    requestId: '请求编号',
    keyId: '签名密钥',
    signature: '签名（Ed25519）',
    proof: '核验信息（SHA-256、签名）',
    keepTitle: '如何保存本回执',
    keepReopen: '随时重新打开本链接，都会看到这张回执。',
    keepWeChat: '在微信中：点右上角“…”，选择“收藏”，或“在浏览器中打开”后保存页面。',
    keepPrint: '在浏览器中选择“打印”，可打印或存为 PDF（一页）。',
    download: '下载回执（JSON，供核验）',
    publicKey: '公钥（用于离线核验）',
    reread: '再次阅读本版本',
    problemTitle: '无法使用此链接',
    pendingTitle: '已收到，正在记录',
    pending: '您的确认已收到，正在写入记录。本页会自动刷新，记录完成后显示您的回执。无需再次提交。',
    pendingReference: '参考编号',
    checkAgain: '立即查看',
  },
  en: {
    formTitle: (title: string) => `Acknowledge: ${title}`,
    personal: 'Personal acknowledgement link',
    issuedTo: (unit: string) =>
      `This link was issued to one official of ${unit}, personally. Do not forward it.`,
    readFirst: 'Read the whole text below, then confirm at the end of the page.',
    dueBy: (date: string) => `Please acknowledge by ${date}.`,
    textHash: (lang: string) =>
      `SHA-256 of the text you read (${lang === 'zh' ? 'Chinese' : 'English'})`,
    versionHash: 'SHA-256 of this version',
    hashes: 'Verification details (SHA-256)',
    confirm: 'Confirm',
    statementLabel: 'Statement',
    nameLabel: 'Type your full name (as on the roster)',
    submit: 'Acknowledge',
    fixThis: 'Please correct this:',
    receiptTitle: 'Acknowledgement receipt',
    done: 'Acknowledged',
    doneDetail: (time: string, title: string, version: number) =>
      `On ${time} you acknowledged having read “${title}”, version ${version}, in full, and undertook to abide by it.`,
    who: 'Official',
    whoIs: (name: string, id: string) => `${name} (${id})`,
    externalId: 'Number',
    unit: 'Unit',
    typedName: 'Name as typed',
    notice: 'Notice',
    noticeVersion: (title: string, version: number) => `“${title}”, version ${version}`,
    statement: 'Statement',
    time: 'Time',
    timeUtc: 'Time (UTC, as signed)',
    receiptId: 'Receipt id',
    requestId: 'Request id',
    keyId: 'Signing key',
    signature: 'Signature (Ed25519)',
    proof: 'Verification details (SHA-256, signature)',
    keepTitle: 'How to keep this receipt',
    keepReopen: 'Open this link again at any time: it shows this receipt.',
    keepWeChat:
      'In WeChat: tap “…” at the top right and choose “Favorite”, or open it in the browser and save the page.',
    keepPrint: 'In a browser, choose Print to print it or save it as a one-page PDF.',
    download: 'Download the receipt (JSON, to verify)',
    publicKey: 'Public key (to verify offline)',
    reread: 'Read this version again',
    problemTitle: 'This link cannot be used',
    pendingTitle: 'Received, being recorded',
    pending:
      'Your acknowledgement was received and is being recorded. This page refreshes by itself and shows your receipt once it is recorded. There is no need to submit again.',
    pendingReference: 'Reference',
    checkAgain: 'Check now',
  },
} as const

/** Problems with a link, explained in the reader's language; the API message is the fallback. */
const problems: Record<string, Record<Lang, string>> = {
  link_invalid: {
    zh: '此确认链接无效，可能复制不完整。请从原消息重新打开，或联系管理员获取新链接。',
    en: 'This acknowledgement link is not valid; it may have been copied incompletely. Open it again from the original message, or ask your administrator for a new one.',
  },
  link_expired: {
    zh: '此链接已过期。请联系管理员获取新链接。',
    en: 'This link has expired. Ask your administrator for a new one.',
  },
  link_superseded: {
    zh: '此链接对应的版本已被新版本取代。请联系管理员获取新版本的确认链接。',
    en: 'The version this link is for has been replaced by a newer one. Ask your administrator for a link to the new version.',
  },
  official_inactive: {
    zh: '此链接发给的人员已不在名册中，无法再用于确认。',
    en: 'This link was issued to someone who is no longer on the roster, so it can no longer be used.',
  },
  form_invalid: {
    zh: '表单与此链接不符。请重新打开链接后再提交。',
    en: 'This form does not belong to this link. Open the link again and resubmit.',
  },
  wrong_version: {
    zh: '您提交确认的文本不是此链接对应的版本。请重新打开链接阅读全文。',
    en: 'The text you acknowledged is not the version of this link. Open the link again to read it.',
  },
}

const contactLine = {
  zh: (who: string) => `如有疑问，请联系：${who}`,
  en: (who: string) => `Questions? Contact: ${who}`,
}
const details = {
  zh: '技术信息（联系他人时可提供）',
  en: 'Technical details (to give whoever you contact)',
}

/** 401 and 403 on a personal link: what happened and what to do, whom to ask; codes folded away. */
export function linkProblemPage(options: {
  status: number
  code: string
  message: string
  lang: Lang
  contact?: string
  requestId?: string
}): Html {
  const { status, code, lang } = options
  const m = messages[lang]
  const contact = options.contact?.trim()
  return html`<div class="status-box error" role="alert">
      <h1>${m.problemTitle}</h1>
      <p>${problems[code]?.[lang] ?? options.message}</p>
    </div>
    ${contact ? html`<p class="contact">${contactLine[lang](contact)}</p>` : ''}
    ${technicalDetails(status, code, options.requestId, lang)}`
}

/** Hashes as label / value pairs, one above the other, so a phone never squeezes either. */
function proofList(rows: [label: string, value: string][]): Html {
  return html`<dl class="proof">
    ${rows.map(([label, value]) => html`<dt>${label}</dt><dd class="hash">${value}</dd>`)}
  </dl>`
}

export function acknowledgementForm(options: {
  version: CompiledVersion
  lang: Lang
  unit: string
  action: string
  csrf: string
  statement: string
  current: boolean
  dueDate: string | null
  error?: string
  contact?: string
  typedName?: string
  /** Re-showing the form after a mistake elsewhere keeps the tick. */
  statementTicked?: boolean
}): Html {
  const { version, lang } = options
  const m = messages[lang]
  const text = version.languages[lang]
  const contact = options.contact?.trim()
  return html`<div class="notice-box">
      <p><strong>${m.personal}</strong></p>
      <p>${m.issuedTo(options.unit)}${lang === 'zh' ? '' : ' '}${m.readFirst}</p>
      ${options.dueDate ? html`<p><strong>${m.dueBy(localDate(options.dueDate, lang))}</strong></p>` : ''}
    </div>
    ${versionText(version, lang, { current: options.current, ruleLinks: false })}
    <details class="meta">
      <summary>${m.hashes}</summary>
      ${proofList([
        [m.versionHash, version.sha256],
        [m.textHash(lang), text.textSha256],
      ])}
    </details>
    <h2 id="confirm">${m.confirm}</h2>
    ${
      options.error
        ? html`<div class="status-box error" role="alert" id="form-error">
            <p><strong>${m.fixThis}</strong> ${options.error}</p>
            ${contact ? html`<p>${contactLine[lang](contact)}</p>` : ''}
          </div>`
        : ''
    }
    <form method="post" action="${options.action}#form-error" accept-charset="utf-8">
      <input type="hidden" name="csrf" value="${options.csrf}" />
      <input type="hidden" name="lang" value="${lang}" />
      <input type="hidden" name="text" value="${text.textSha256}" />
      <label class="statement"
        ><input
          type="checkbox"
          name="statement"
          value="agree"
          required
          ${options.statementTicked ? 'checked' : ''}
        />
        ${options.statement}</label
      >
      <label for="name">${m.nameLabel}</label>
      <input
        type="text"
        id="name"
        name="name"
        required
        maxlength="100"
        autocomplete="name"
        ${options.error ? html`aria-invalid="true" aria-describedby="form-error"` : ''}
        value="${options.typedName ?? ''}"
      />
      <p><button type="submit">${m.submit}</button></p>
    </form>`
}

export function receiptView(options: {
  signed: SignedReceipt
  version: CompiledVersion
  lang: Lang
  downloadPath: string
  /** The organisation's time zone, for the times people read. */
  timeZone: string
}): Html {
  const { signed, version, lang } = options
  const { receipt } = signed
  const m = messages[lang]
  const title = version.languages[lang].title
  const when = localTime(receipt.acknowledgedAt, options.timeZone, lang)
  const row = (label: string, value: unknown) =>
    html`<tr>
      <th scope="row">${label}</th>
      <td>${value}</td>
    </tr>`
  const proof = proofList([
    [m.versionHash, receipt.notice.sha256],
    [m.textHash(receipt.notice.lang), receipt.notice.textSha256],
    [m.timeUtc, receipt.acknowledgedAt],
    [m.requestId, receipt.requestId],
    [m.keyId, receipt.keyId],
    [m.signature, signed.signature.value],
  ])
  return html`<h1 id="receipt-top">${m.receiptTitle}</h1>
    <div class="verdict pass" role="status">
      <p>
        <span class="sign" aria-hidden="true">✓</span>
        <strong>${m.done}</strong>
      </p>
      <p>${m.doneDetail(when, title, receipt.notice.version)}</p>
    </div>
    <table id="receipt" class="receipt">
      <tbody>
        ${row(m.who, m.whoIs(receipt.official.name, receipt.official.externalId))}
        ${row(m.unit, receipt.official.unit)}
        ${row(
          m.notice,
          html`<a href="${withLang(digestPath({ notice: version.notice, sha256: receipt.notice.sha256 }), lang)}"
            >${m.noticeVersion(title, receipt.notice.version)}</a
          >`,
        )}
        ${row(m.statement, receipt.statement)} ${row(m.typedName, receipt.official.typedName)}
        ${row(m.time, when)} ${row(m.receiptId, html`<span class="hash">${receipt.receiptId}</span>`)}
      </tbody>
    </table>
    <details class="meta noprint">
      <summary>${m.proof}</summary>
      ${proof}
    </details>
    <div class="print-only">${proof}</div>
    <section class="noprint">
      <h2>${m.keepTitle}</h2>
      <ul>
        <li>${m.keepReopen}</li>
        <li>${m.keepWeChat}</li>
        <li>${m.keepPrint}</li>
      </ul>
      <p class="links">
        <a href="${options.downloadPath}" download>${m.download}</a>
        <a href="${signed.publicKeyUrl}">${m.publicKey}</a>
        <a href="${withLang(`/notices/${version.notice}/versions/${version.version}`, lang)}"
          >${m.reread}</a
        >
      </p>
    </section>`
}

/** A submission that went on the Queue: received, not yet recorded (no receipt to show yet). */
export function pendingView(options: { receiptId: string; lang: Lang; checkPath: string }): Html {
  const m = messages[options.lang]
  return html`<h1>${m.pendingTitle}</h1>
    <div class="notice-box" role="status">
      <p>${m.pending}</p>
    </div>
    <p class="meta">${m.pendingReference}: <span class="hash">${options.receiptId}</span></p>
    <p><a href="${options.checkPath}">${m.checkAgain}</a></p>`
}

export function pendingTitle(lang: Lang): string {
  return messages[lang].pendingTitle
}

export function formTitle(version: CompiledVersion, lang: Lang): string {
  return messages[lang].formTitle(version.languages[lang].title)
}

export function receiptTitle(lang: Lang): string {
  return messages[lang].receiptTitle
}

export function problemTitle(lang: Lang): string {
  return messages[lang].problemTitle
}

const historyWords = {
  zh: {
    title: '您以前的确认记录',
    intro: '以下是您本人此前完成的确认；回执可随时从这里再次下载。',
    notice: '通知',
    when: '确认时间',
    receipt: '回执',
    download: '下载回执（JSON）',
  },
  en: {
    title: 'What you have acknowledged before',
    intro: 'Your earlier acknowledgements; download any receipt again from here.',
    notice: 'Notice',
    when: 'Acknowledged',
    receipt: 'Receipt',
    download: 'Download the receipt (JSON)',
  },
} as const

export interface PastAcknowledgement {
  receiptId: string
  title: string
  version: number
  versionPath: string
  acknowledgedAt: string
  /** Through the official's own link: /a/{token}/receipts/{receiptId}.json */
  receiptPath: string
}

/** The official's earlier acknowledgements, each with its receipt; nothing when there are none. */
export function pastAcknowledgements(
  past: readonly PastAcknowledgement[],
  lang: Lang,
  timeZone: string,
): Html | string {
  if (past.length === 0) return ''
  const w = historyWords[lang]
  const m = messages[lang]
  return html`<section class="noprint" id="history">
    <h2>${w.title}</h2>
    <p>${w.intro}</p>
    <ul>
      ${past.map(
        (p) =>
          html`<li>
            <a href="${withLang(p.versionPath, lang)}">${m.noticeVersion(p.title, p.version)}</a>
            · ${localTime(p.acknowledgedAt, timeZone, lang)} ·
            <a href="${p.receiptPath}" download>${w.download}</a>
            <span class="hash">${p.receiptId}</span>
          </li>`,
      )}
    </ul>
  </section>`
}
