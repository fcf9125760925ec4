/**
 * The console shell's words in both languages. Each page module keeps its own words beside it
 * (see console-tokens.ts), so pages added later do not all edit this file.
 */
import type { Lang } from '../../i18n'

const zh = {
  console: '管理后台',
  siteName: '红线',
  signIn: '登录',
  signOut: '退出登录',
  signedInAs: '当前用户',
  otherLanguage: 'English',
  wholeRoster: '全部单位',
  role: { owner: '所有者', unit_admin: '单位管理员', token: 'API 令牌' } as Record<string, string>,
  access: { read: '只读', write: '读写' } as Record<string, string>,
  sections: { rollout: '发布与确认', reminders: '提醒', access: '权限与日志' } as Record<
    string,
    string
  >,
  required: '必填。',
  tooLong: (n: number) => `最多 ${n} 个字符。`,
  next: '下一页',
  first: '回到第一页',
  none: '暂无记录。',
  error: '出错了',
  back: '返回管理后台',
  fixBelow: '请更正下面标出的内容。',
}

type Messages = typeof zh

const en: Messages = {
  console: 'Console',
  siteName: 'Red lines',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signedInAs: 'Signed in as',
  otherLanguage: '中文',
  wholeRoster: 'the whole roster',
  role: { owner: 'owner', unit_admin: 'unit admin', token: 'API token' },
  access: { read: 'read', write: 'read and write' },
  sections: { rollout: 'Rollout', reminders: 'Reminders', access: 'Access and audit' },
  required: 'Required.',
  tooLong: (n: number) => `At most ${n} characters.`,
  next: 'Next page',
  first: 'Back to the first page',
  none: 'Nothing yet.',
  error: 'Something went wrong',
  back: 'Back to the console',
  fixBelow: 'Please correct what is marked below.',
}

export function consoleText(lang: Lang): Messages {
  return lang === 'zh' ? zh : en
}

/**
 * Console wording for error codes; the API's English message (with its specifics) is the
 * fallback. Pages add the codes their forms can meet.
 */
const zhErrors: Record<string, string> = {
  outside_scope: '这超出了您的管辖范围。',
  read_only: '只读令牌不能做修改。',
  owners_only: '只有所有者可以这样做。',
  people_only: 'API 令牌不能这样做，请由管理员在后台操作。',
  form_expired: '表单已过期或不是从本站提交的。请刷新页面后重试。',
  not_an_admin: '您已通过 Cloudflare Access 登录，但不是本系统的管理员。请联系所有者添加您的邮箱。',
  access_invalid: 'Cloudflare Access 登录凭证无效或已过期，请重新通过 Access 登录。',
  unauthorized: '请先登录。',
  not_configured: '管理后台尚未配置完整（缺少密钥），请联系部署人员。',
  invalid_unit: '单位的写法不对，层级之间用“/”分隔，例如 广东省/广州市。',
  not_found: '此地址没有内容。',
  storage_unavailable: '数据库暂时无法访问，未保存任何内容。请稍后再试。',
}

export function consoleError(lang: Lang, code: string, message: string): string {
  return lang === 'zh' ? (zhErrors[code] ?? message) : message
}

/** Lets a page register the Chinese wording of its own error codes. */
export function addConsoleErrors(entries: Record<string, string>) {
  Object.assign(zhErrors, entries)
}
