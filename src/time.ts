/**
 * Times for people, in the organisation's time zone (ORG_TIME_ZONE, default Asia/Shanghai):
 * "2026年12月2日 03:27（北京时间）". What is signed and stored stays in UTC.
 */
import type { Lang } from './content/types'

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai'

/** What officials call these zones; any other falls back to the runtime's own long name. */
const ZONE_NAMES: Record<string, Record<Lang, string>> = {
  'Asia/Shanghai': { zh: '北京时间', en: 'Beijing time' },
  'Asia/Chongqing': { zh: '北京时间', en: 'Beijing time' },
  'Asia/Urumqi': { zh: '新疆时间', en: 'Xinjiang time' },
  'Asia/Hong_Kong': { zh: '香港时间', en: 'Hong Kong time' },
  'Asia/Macau': { zh: '澳门时间', en: 'Macau time' },
  'Asia/Taipei': { zh: '台北时间', en: 'Taipei time' },
  UTC: { zh: '协调世界时', en: 'UTC' },
}

const valid = new Map<string, boolean>()

/** The configured zone when the runtime knows it; otherwise the default, said once in the log. */
export function timeZoneOf(configured: string | undefined): string {
  const zone = configured?.trim() || DEFAULT_TIME_ZONE
  let ok = valid.get(zone)
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone })
      ok = true
    } catch {
      ok = false
      console.error(JSON.stringify({ event: 'bad_time_zone', zone, using: DEFAULT_TIME_ZONE }))
    }
    valid.set(zone, ok)
  }
  return ok ? zone : DEFAULT_TIME_ZONE
}

const formats = new Map<string, Intl.DateTimeFormat>()

function partsOf(date: Date, zone: string, lang: Lang) {
  const key = `${zone} ${lang}`
  let format = formats.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: lang === 'zh' ? 'numeric' : 'long',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'long',
    })
    formats.set(key, format)
  }
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {}
  for (const part of format.formatToParts(date)) parts[part.type] = part.value
  return parts
}

/** An instant as a person in `zone` reads it, naming the zone. */
export function localTime(iso: string, zone: string, lang: Lang): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const p = partsOf(date, zone, lang)
  const name = ZONE_NAMES[zone]?.[lang] ?? p.timeZoneName ?? zone
  return lang === 'zh'
    ? `${p.year}年${p.month}月${p.day}日 ${p.hour}:${p.minute}（${name}）`
    : `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} (${name})`
}

/** A calendar date (YYYY-MM-DD) as people write it: 2026年12月31日 / 31 December 2026. */
export function localDate(day: string, lang: Lang): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!match) return day
  const [, y, m, d] = match as unknown as [string, string, string, string]
  if (lang === 'zh') return `${Number(y)}年${Number(m)}月${Number(d)}日`
  const month = new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  )
  return `${Number(d)} ${month} ${y}`
}
