import { describe, expect, it } from 'vitest'
import { DEFAULT_TIME_ZONE, localDate, localTime, timeZoneOf } from '../src/time'

describe('times in the organisation’s time zone', () => {
  it.each([
    ['2026-12-01T19:27:22.466Z', 'Asia/Shanghai', 'zh', '2026年12月2日 03:27（北京时间）'],
    ['2026-12-01T19:27:22.466Z', 'Asia/Shanghai', 'en', '2 December 2026, 03:27 (Beijing time)'],
    ['2026-12-31T16:00:00.000Z', 'Asia/Shanghai', 'zh', '2027年1月1日 00:00（北京时间）'],
    ['2026-07-01T12:05:00.000Z', 'Asia/Hong_Kong', 'zh', '2026年7月1日 20:05（香港时间）'],
    ['2026-07-01T12:05:00.000Z', 'UTC', 'en', '1 July 2026, 12:05 (UTC)'],
    ['2026-07-01T12:05:00.000Z', 'Europe/London', 'en', '1 July 2026, 13:05 (British Summer Time)'],
    [
      '2026-01-01T12:05:00.000Z',
      'Europe/London',
      'en',
      '1 January 2026, 12:05 (Greenwich Mean Time)',
    ],
  ] as const)('%s in %s (%s) reads %s', (iso, zone, lang, expected) => {
    expect(localTime(iso, zone, lang)).toBe(expected)
  })

  it.each([
    [undefined, DEFAULT_TIME_ZONE],
    ['', DEFAULT_TIME_ZONE],
    [' Asia/Urumqi ', 'Asia/Urumqi'],
    ['Mars/Olympus_Mons', DEFAULT_TIME_ZONE],
  ])('the setting %j gives the zone %s', (configured, zone) => {
    expect(timeZoneOf(configured)).toBe(zone)
  })

  it.each([
    ['2026-12-31', 'zh', '2026年12月31日'],
    ['2026-01-05', 'en', '5 January 2026'],
    ['not a date', 'zh', 'not a date'],
  ] as const)('the date %s (%s) reads %s', (day, lang, expected) => {
    expect(localDate(day, lang)).toBe(expected)
  })
})
