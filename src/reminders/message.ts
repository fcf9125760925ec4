/** The words of a group reminder. It names the notice and points to its public page, never to a personal link. */
import type { CompiledVersion } from '../content/types'
import { daysBetween } from './plan'

export interface ReminderWords {
  version: CompiledVersion
  unit: string
  purpose: 'group' | 'leaders'
  dueDate: string
  today: string
  outstanding: number
  overdue: number
  names: string[]
  noticeUrl: string
  /** Bytes the service takes in one text. */
  maxBytes: number
}

const bytes = (text: string) => new TextEncoder().encode(text).length

export function reminderText(w: ReminderWords): string {
  const title = w.version.languages.zh.title
  const late = daysBetween(w.dueDate, w.today)
  const when =
    late > 0
      ? `截止日期 ${w.dueDate}，已逾期 ${late} 天`
      : late === 0
        ? `今天（${w.dueDate}）截止`
        : `截止日期 ${w.dueDate}，还有 ${-late} 天`
  const head =
    w.purpose === 'leaders'
      ? `【督办】《${title}》第 ${w.version.version} 版：${w.unit} 仍有 ${w.outstanding} 人未完成确认（${when}），请督促落实。`
      : `【提醒】《${title}》第 ${w.version.version} 版：${w.unit} 还有 ${w.outstanding} 人未完成确认（${when}）。`
  const tail = `\n请未确认的同志通过本人收到的专属链接尽快完成确认。${w.noticeUrl ? `\n通知全文：${w.noticeUrl}` : ''}`
  if (w.names.length === 0) return head + tail
  // As many names as fit, then how many more.
  let listed = w.names.length
  const line = (n: number) =>
    `\n未确认：${w.names.slice(0, n).join('、')}${n < w.names.length ? ` 等 ${w.names.length} 人` : ''}`
  while (listed > 0 && bytes(head + line(listed) + tail) > w.maxBytes)
    listed = Math.floor(listed * 0.8)
  return listed > 0 ? head + line(listed) + tail : head + tail
}
