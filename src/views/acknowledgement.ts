import { html } from 'hono/html'
import type { CompiledVersion } from '../content/types'
import type { Lang } from '../i18n'
import type { SignedReceipt } from '../acknowledgements/receipt'
import { withLang, type Html } from './layout'
import { versionText } from './notice'

const messages = {
  zh: {
    formTitle: (title: string) => `确认阅读：${title}`,
    personal: '本人确认链接',
    issuedTo: (unit: string) => `本链接仅发给 ${unit} 的一位干部本人，请勿转发。`,
    readFirst: '请阅读以下全文，然后在页面底部确认。',
    textHash: (lang: string) => `所阅文本（${lang === 'zh' ? '中文' : '英文'}）SHA-256`,
    versionHash: '本版本 SHA-256',
    confirm: '确认',
    statementLabel: '确认声明',
    nameLabel: '请输入您的姓名（与名册一致）',
    submit: '确认并提交',
    fixThis: '请更正：',
    receiptTitle: '确认回执',
    done: '您已确认阅读本通知，并承诺遵守。请保存本回执。',
    who: '确认人',
    externalId: '编号',
    unit: '单位',
    typedName: '本人输入的姓名',
    notice: '通知',
    version: '版本',
    statement: '确认声明',
    time: '确认时间（服务器，UTC）',
    receiptId: '回执编号',
    requestId: '请求编号',
    keyId: '签名密钥',
    signature: '签名（Ed25519）',
    download: '下载回执（JSON）',
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
    textHash: (lang: string) =>
      `SHA-256 of the text you read (${lang === 'zh' ? 'Chinese' : 'English'})`,
    versionHash: 'SHA-256 of this version',
    confirm: 'Confirm',
    statementLabel: 'Statement',
    nameLabel: 'Type your full name (as on the roster)',
    submit: 'Acknowledge',
    fixThis: 'Please correct this:',
    receiptTitle: 'Acknowledgement receipt',
    done: 'You have acknowledged this notice and undertaken to abide by it. Keep this receipt.',
    who: 'Official',
    externalId: 'Number',
    unit: 'Unit',
    typedName: 'Name as typed',
    notice: 'Notice',
    version: 'Version',
    statement: 'Statement',
    time: 'Time (server, UTC)',
    receiptId: 'Receipt id',
    requestId: 'Request id',
    keyId: 'Signing key',
    signature: 'Signature (Ed25519)',
    download: 'Download the receipt (JSON)',
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

export function linkProblemPage(status: number, code: string, message: string, lang: Lang): Html {
  const m = messages[lang]
  return html`<h1>${status} · ${m.problemTitle}</h1>
    <p>${problems[code]?.[lang] ?? message}</p>
    <p class="meta">${code}</p>`
}

export function acknowledgementForm(options: {
  version: CompiledVersion
  lang: Lang
  unit: string
  action: string
  csrf: string
  statement: string
  current: boolean
  error?: string
  typedName?: string
  /** Re-showing the form after a mistake elsewhere keeps the tick. */
  statementTicked?: boolean
}): Html {
  const { version, lang } = options
  const m = messages[lang]
  const text = version.languages[lang]
  return html`<div class="notice-box">
      <p><strong>${m.personal}</strong></p>
      <p>${m.issuedTo(options.unit)} ${m.readFirst}</p>
    </div>
    ${versionText(version, lang, { current: options.current })}
    <div class="notice-box meta">
      <p>${m.versionHash}: <span class="hash">${version.sha256}</span></p>
      <p>${m.textHash(lang)}: <span class="hash">${text.textSha256}</span></p>
    </div>
    <h2 id="confirm">${m.confirm}</h2>
    ${
      options.error
        ? html`<div class="notice-box" role="alert" id="form-error">
          <p><strong>${m.fixThis}</strong> ${options.error}</p>
        </div>`
        : ''
    }
    <form method="post" action="${options.action}" accept-charset="utf-8">
      <input type="hidden" name="csrf" value="${options.csrf}" />
      <input type="hidden" name="lang" value="${lang}" />
      <input type="hidden" name="text" value="${text.textSha256}" />
      <label
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
}): Html {
  const { signed, version, lang } = options
  const { receipt } = signed
  const m = messages[lang]
  const row = (label: string, value: unknown, hash = false) =>
    html`<tr>
      <th scope="row">${label}</th>
      <td>${hash ? html`<span class="hash">${value}</span>` : value}</td>
    </tr>`
  return html`<h1>${m.receiptTitle}</h1>
    <p>${m.done}</p>
    <table id="receipt">
      <tbody>
        ${row(m.who, receipt.official.name)} ${row(m.externalId, receipt.official.externalId)}
        ${row(m.unit, receipt.official.unit)} ${row(m.typedName, receipt.official.typedName)}
        ${row(m.notice, version.languages[lang].title)} ${row(m.version, receipt.notice.version)}
        ${row(m.versionHash, receipt.notice.sha256, true)}
        ${row(m.textHash(receipt.notice.lang), receipt.notice.textSha256, true)}
        ${row(m.statement, receipt.statement)} ${row(m.time, receipt.acknowledgedAt)}
        ${row(m.receiptId, receipt.receiptId, true)} ${row(m.requestId, receipt.requestId, true)}
        ${row(m.keyId, receipt.keyId, true)} ${row(m.signature, signed.signature.value, true)}
      </tbody>
    </table>
    <p><a href="${options.downloadPath}" download>${m.download}</a></p>
    <p class="meta">
      <a href="${signed.publicKeyUrl}">${m.publicKey}</a> ·
      <a href="${withLang(`/notices/${version.notice}/versions/${version.version}`, lang)}"
        >${m.reread}</a
      >
    </p>`
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
