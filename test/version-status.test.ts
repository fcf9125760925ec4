import { exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { findNotice, versionStatus } from '../src/content/catalog'

const get = (path: string) => exports.default.fetch(new Request(`http://localhost${path}`))
const notice = findNotice('wechat-red-lines')!
const [v1, v2] = notice.versions as [(typeof notice.versions)[0], (typeof notice.versions)[0]]

/** As if today were `date`: v2 takes effect on 2017-06-01, v1 on 2017-04-18. */
function today(date: string) {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date(`${date}T08:00:00Z`))
}
afterEach(() => vi.useRealTimers())

/** What a reader reads: the markup gone, so a date kept on one line by a <span> reads as text. */
const readable = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ')

describe('where a version stands', () => {
  it.each([
    ['2017-04-01', 'upcoming', 'upcoming'],
    ['2017-04-18', 'current', 'upcoming'],
    ['2017-05-31', 'current', 'upcoming'],
    ['2017-06-01', 'superseded', 'current'],
    ['2026-12-01', 'superseded', 'current'],
  ])('on %s v1 is %s and v2 is %s', (date, first, second) => {
    const now = new Date(`${date}T12:00:00Z`)
    expect(versionStatus(notice, v1, now).kind).toBe(first)
    expect(versionStatus(notice, v2, now).kind).toBe(second)
  })

  it('a replaced version names what replaced it; the current one lists what is coming', () => {
    expect(versionStatus(notice, v1, new Date('2020-01-01'))).toEqual({
      kind: 'superseded',
      by: v2,
    })
    expect(versionStatus(notice, v1, new Date('2017-05-01'))).toEqual({
      kind: 'current',
      upcoming: [v2],
    })
  })
})

describe('superseded: the page of version 1 today', () => {
  it.each([
    ['zh', '本版本已被第 2 版取代，自 2017-06-01 起不再适用。', '阅读现行版本'],
    [
      'en',
      'This version was replaced by version 2 and no longer applies from 2017-06-01.',
      'Read the version in effect',
    ],
  ])(
    '%s: says so first, links to the current version and to what changed',
    async (lang, said, link) => {
      const body = await (await get(`/notices/wechat-red-lines/versions/1?lang=${lang}`)).text()
      const main = /<main>([\s\S]*)<\/main>/.exec(body)![1]!
      // Before the title: the first thing on the page.
      expect(readable(main.slice(0, main.indexOf('<h1>')))).toContain(said)
      expect(main).toContain(`<a href="/notices/wechat-red-lines?lang=${lang}">${link}</a>`)
      expect(main).toContain(`href="/notices/wechat-red-lines/compare/1...2?lang=${lang}"`)
    },
  )

  it('the page of version 2, in effect, says nothing of the kind', async () => {
    const body = await (await get('/notices/wechat-red-lines/versions/2?lang=zh')).text()
    expect(body).not.toContain('取代')
    expect(body).toContain('这是现行版本。')
  })
})

describe('upcoming: the same pages on 2017-05-01, before version 2 takes effect', () => {
  it('the current page is version 1 and announces version 2', async () => {
    today('2017-05-01')
    const body = await (await get('/notices/wechat-red-lines?lang=zh')).text()
    expect(body).toContain('第 1 版')
    expect(readable(body)).toContain('第 2 版将于 2017-06-01 生效。')
    expect(body).toContain('href="/notices/wechat-red-lines/versions/2?lang=zh"')
    expect(body).toContain('href="/notices/wechat-red-lines/compare/1...2?lang=zh"')
  })

  it('the history lists version 2 as upcoming and version 1 as in effect', async () => {
    today('2017-05-01')
    const body = await (await get('/notices/wechat-red-lines/versions?lang=zh')).text()
    const rows = body.split('<tr>').slice(2)
    expect(rows[0]).toContain('第 2 版')
    expect(rows[0]).toContain('<span class="tag upcoming">即将生效</span>')
    expect(rows[1]).toContain('<span class="tag current">现行</span>')
    const api = (await (await get('/api/notices/wechat-red-lines/versions')).json()) as {
      versions: { version: number; status: string; current: boolean; inEffect: boolean }[]
    }
    expect(api.versions.map((v) => [v.version, v.status, v.current, v.inEffect])).toEqual([
      [1, 'current', true, true],
      [2, 'upcoming', false, false],
    ])
  })

  it('the page of version 2 says when it takes effect and is cached briefly', async () => {
    today('2017-05-01')
    const response = await get('/notices/wechat-red-lines/versions/2?lang=en')
    expect(response.headers.get('cache-control')).toBe('public, max-age=300')
    const body = await response.text()
    expect(readable(body)).toContain(
      'This version is not yet in effect; it takes effect on 2017-06-01.',
    )
    expect(body).toContain('Until then, version 1 applies.')
    const api = await get('/api/notices/wechat-red-lines/versions/2')
    expect(api.headers.get('cache-control')).toBe('public, max-age=300')
  })

  it('and the ETags of these pages differ from today’s, since their bytes do', async () => {
    const now = (await get('/notices/wechat-red-lines/versions/2?lang=zh')).headers.get('etag')
    today('2017-05-01')
    const then = (await get('/notices/wechat-red-lines/versions/2?lang=zh')).headers.get('etag')
    expect(then).not.toBe(now)
  })
})

describe('comparing versions', () => {
  it.each([
    [
      'zh',
      '1...2',
      '从第 1 版到第 2 版：实质性修改 1 条（第 4 条），文字修改 1 条（第 3 条）。',
      '已确认第 1 版的人需要重新确认第 2 版。',
    ],
    [
      'en',
      '1...2',
      'From version 1 to version 2: changes 1 rule materially (rule 4) and rewords 1 rule (rule 3).',
      'Whoever acknowledged version 1 must acknowledge version 2 again.',
    ],
    ['zh', '2...2', '第 2 版与第 2 版的条款相同。', ''],
  ])(
    '%s %s opens with a one-line summary and what it means for acknowledgements',
    async (lang, range, summary, reack) => {
      const body = await (
        await get(`/notices/wechat-red-lines/compare/${range}?lang=${lang}`)
      ).text()
      const main = /<main>([\s\S]*)<\/main>/.exec(body)![1]!
      expect(main).toContain(summary)
      if (reack) expect(main).toContain(reack)
      expect(main.indexOf(summary)).toBeLessThan(main.indexOf('<section'))
    },
  )

  it('each rule is shown with its number', async () => {
    const body = await (await get('/notices/wechat-red-lines/compare/1...2?lang=zh')).text()
    const numbers = [
      ...body.matchAll(/<section class="rule" id="([^"]+)"><h2><span class="n">(\d+)\.<\/span>/g),
    ]
    expect(numbers.map(([, id, n]) => [id, Number(n)])).toEqual(
      v2.languages.zh.rules.map((r) => [r.id, r.number]),
    )
  })

  it.each([
    ['1...2', true],
    ['2...1', true],
    ['2...2', false],
  ])('JSON %s: requiresReacknowledgement is %s', async (range, expected) => {
    const body = (await (await get(`/api/notices/wechat-red-lines/compare/${range}`)).json()) as {
      requiresReacknowledgement: boolean
    }
    expect(body.requiresReacknowledgement).toBe(expected)
  })
})
