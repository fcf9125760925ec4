import type { Lang } from './content/types'

export type { Lang }

/** What a comparison's one-line summary counts: rule numbers by kind of change. */
export interface CompareCounts {
  from: number
  to: number
  added: number[]
  material: number[]
  editorial: number[]
  removed: number[]
}

function ruleList(lang: Lang, numbers: number[]): string {
  return lang === 'zh'
    ? numbers.map((n) => `第 ${n} 条`).join('、')
    : `rule${numbers.length === 1 ? '' : 's'} ${joinEnglish(numbers.map(String))}`
}

const count = (n: number) => `${n} rule${n === 1 ? '' : 's'}`

function joinEnglish(parts: string[]): string {
  return parts.length < 2
    ? (parts[0] ?? '')
    : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
}

const messages = {
  zh: {
    siteName: '红线',
    notices: '通知',
    current: '现行版本',
    versionLabel: '版本',
    version: (n: number) => `第 ${n} 版`,
    effectiveFrom: '生效日期',
    notYetInEffect: '尚未生效',
    history: '版本历史',
    compare: '比较',
    compareWith: (a: number, b: number) => `比较第 ${a} 版与第 ${b} 版`,
    summary: '修订说明',
    sha256: 'SHA-256',
    rule: '条',
    rules: '条款',
    otherLanguage: 'English',
    added: '新增',
    removed: '删除',
    changed: '修改',
    material: '实质性修改',
    editorial: '文字修改',
    unchanged: '未修改',
    ruleHistory: '本条历史',
    inVersion: (n: number) => `见于第 ${n} 版`,
    viewWholeNotice: '查看通知全文',
    check: '发送前检查',
    error: '出错了',
    backHome: '返回首页',
    json: 'JSON',
    permalink: '本版本永久链接',
    sha256Address: 'SHA-256 地址',
    tagCurrent: '现行',
    tagUpcoming: '即将生效',
    tagSuperseded: '已被取代',
    supersededBy: (n: number, date: string) => `本版本已被第 ${n} 版取代，自 ${date} 起不再适用。`,
    readCurrent: '阅读现行版本',
    whatChanged: (a: number, b: number) => `第 ${a} 版与第 ${b} 版的区别`,
    upcoming: (date: string) => `本版本尚未生效，将于 ${date} 起生效。`,
    currentUntil: (n: number) => `在此之前适用的是第 ${n} 版。`,
    isCurrent: '这是现行版本。',
    announce: (n: number, date: string) => `第 ${n} 版将于 ${date} 生效。`,
    readVersion: (n: number) => `阅读第 ${n} 版`,
    compareSummary: (s: CompareCounts) => {
      const parts = [
        s.added.length ? `新增 ${s.added.length} 条（${ruleList('zh', s.added)}）` : '',
        s.material.length
          ? `实质性修改 ${s.material.length} 条（${ruleList('zh', s.material)}）`
          : '',
        s.editorial.length
          ? `文字修改 ${s.editorial.length} 条（${ruleList('zh', s.editorial)}）`
          : '',
        s.removed.length ? `删除 ${s.removed.length} 条（${ruleList('zh', s.removed)}）` : '',
      ].filter(Boolean)
      return parts.length
        ? `从第 ${s.from} 版到第 ${s.to} 版：${parts.join('，')}。`
        : `第 ${s.from} 版与第 ${s.to} 版的条款相同。`
    },
    reacknowledge: (older: number, newer: number, needed: boolean) =>
      needed
        ? `已确认第 ${older} 版的人需要重新确认第 ${newer} 版。`
        : `已确认第 ${older} 版的人无需重新确认。`,
  },
  en: {
    siteName: 'Red lines',
    notices: 'Notices',
    current: 'Current version',
    versionLabel: 'Version',
    version: (n: number) => `Version ${n}`,
    effectiveFrom: 'In effect from',
    notYetInEffect: 'Not yet in effect',
    history: 'Version history',
    compare: 'Compare',
    compareWith: (a: number, b: number) => `Compare version ${a} with version ${b}`,
    summary: 'Changes',
    sha256: 'SHA-256',
    rule: 'Rule',
    rules: 'Rules',
    otherLanguage: '中文',
    added: 'Added',
    removed: 'Removed',
    changed: 'Changed',
    material: 'Material change',
    editorial: 'Editorial change',
    unchanged: 'Unchanged',
    ruleHistory: 'History of this rule',
    inVersion: (n: number) => `In version ${n}`,
    viewWholeNotice: 'Read the whole notice',
    check: 'Check a message',
    error: 'Something went wrong',
    backHome: 'Back to the start page',
    json: 'JSON',
    permalink: 'Permanent link to this version',
    sha256Address: 'SHA-256 address',
    tagCurrent: 'In effect',
    tagUpcoming: 'Upcoming',
    tagSuperseded: 'Superseded',
    supersededBy: (n: number, date: string) =>
      `This version was replaced by version ${n} and no longer applies from ${date}.`,
    readCurrent: 'Read the version in effect',
    whatChanged: (a: number, b: number) => `What changed from version ${a} to ${b}`,
    upcoming: (date: string) => `This version is not yet in effect; it takes effect on ${date}.`,
    currentUntil: (n: number) => `Until then, version ${n} applies.`,
    isCurrent: 'This is the version in effect.',
    announce: (n: number, date: string) => `Version ${n} takes effect on ${date}.`,
    readVersion: (n: number) => `Read version ${n}`,
    compareSummary: (s: CompareCounts) => {
      const parts = [
        s.added.length ? `adds ${count(s.added.length)} (${ruleList('en', s.added)})` : '',
        s.material.length
          ? `changes ${count(s.material.length)} materially (${ruleList('en', s.material)})`
          : '',
        s.editorial.length
          ? `rewords ${count(s.editorial.length)} (${ruleList('en', s.editorial)})`
          : '',
        s.removed.length ? `removes ${count(s.removed.length)} (${ruleList('en', s.removed)})` : '',
      ].filter(Boolean)
      return parts.length
        ? `From version ${s.from} to version ${s.to}: ${joinEnglish(parts)}.`
        : `Versions ${s.from} and ${s.to} have the same rules.`
    },
    reacknowledge: (older: number, newer: number, needed: boolean) =>
      needed
        ? `Whoever acknowledged version ${older} must acknowledge version ${newer} again.`
        : `Whoever acknowledged version ${older} need not acknowledge again.`,
  },
} as const

/**
 * Chinese wording for errors an HTML page can show; the API keeps its English messages, which
 * carry the specifics (ids, limits) for developers.
 */
const zhErrors: Record<string, string> = {
  not_found: '此地址没有内容。',
  notice_not_found: '地址中的通知不存在，链接可能不完整。',
  no_current_version: '这份通知还没有生效的版本。',
  version_not_found: '这份通知没有这个版本：地址中的版本号或 SHA-256 不对应任何已发布的版本。',
  invalid_version: '地址中的版本写法不对，应为 1、2、3……，或 sha256: 加 64 位摘要。',
  invalid_sha256: '地址中的 SHA-256 写法不对，应为 sha256: 加 64 位十六进制数字。',
  invalid_range: '版本范围的写法不对，应为 1...2 这样的形式。',
  rule_not_found: '现行通知中没有这一条。',
  invalid_request: '请求的格式不对。',
  internal_error: '服务器出了问题，请稍后再试。',
  bad_request: '请求无法读取。',
  invalid_form: '表单内容无法读取：请用浏览器提交表单（UTF-8 编码）。',
  invalid_json: '请求内容不是有效的 JSON。',
  unsupported_media_type:
    '请求内容的格式不对：表单请按浏览器的方式提交（application/x-www-form-urlencoded）。',
  cross_site_request: '这个表单是从其他网站提交的，已拒绝。请在本站页面上提交。',
  forbidden: '不允许这个请求。',
  method_not_allowed: '此地址不接受这种请求方法。',
}

/**
 * Errors an official can meet on a personal page whose API message is for operators (it names
 * secrets, the fix or the database's state) or is only in English: people read this instead, in
 * their language. The API and the log keep the specifics.
 */
const peopleErrors: Record<string, Record<Lang, string>> = {
  not_configured: {
    zh: '确认功能暂时无法使用。请稍后再试；如一直如此，请告知管理员。',
    en: 'Acknowledgements are unavailable at the moment. Try again later; if this persists, tell your administrator.',
  },
  version_hash_conflict: {
    zh: '系统出了问题，您的确认未能记录。请告知管理员。',
    en: 'Your acknowledgement could not be recorded because of a problem on our side. Tell your administrator.',
  },
  storage_unavailable: {
    zh: '系统暂时无法访问数据库，本次未保存任何内容。请稍后再试。',
    en: 'The database did not answer; nothing was saved. Try again in a moment.',
  },
  write_unconfirmed: {
    zh: '数据库未确认本次保存。请稍后重新打开您的链接：如已记录，会显示您的回执；如未记录，会再次显示确认表单。',
    en: 'The database did not confirm the write. Open your link again in a moment: it shows your receipt if the acknowledgement was recorded, and the form again if it was not.',
  },
  shard_missing: {
    zh: '确认功能暂时无法使用。请稍后再试；如一直如此，请告知管理员。',
    en: 'Acknowledgements are unavailable at the moment. Try again later; if this persists, tell your administrator.',
  },
  official_not_found: {
    zh: '此链接对应的人员不在名册中。请联系管理员。',
    en: 'The official this link was issued to is not on the roster. Ask your administrator.',
  },
  receipt_not_found: {
    zh: '尚未使用此链接进行确认，没有可下载的回执。',
    en: 'No acknowledgement has been made with this link, so there is no receipt to download.',
  },
}

/** The message to show people: theirs where we have one, else the error's own message. */
export function errorMessage(lang: Lang, code: string, message: string): string {
  return peopleErrors[code]?.[lang] ?? (lang === 'zh' ? (zhErrors[code] ?? message) : message)
}

export type Messages = (typeof messages)[Lang]

export function t(lang: Lang): Messages {
  return messages[lang]
}

export function otherLang(lang: Lang): Lang {
  return lang === 'zh' ? 'en' : 'zh'
}
