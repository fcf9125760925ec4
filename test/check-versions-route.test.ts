// GET /api/notices/{id}/checks and /checks/{c}: the check versions every check answer cites,
// through the Worker's fetch, against the compiled content.
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { findNotice } from '../src/content/catalog'

const notice = findNotice('wechat-red-lines')!
const newest = notice.checks.at(-1)!
const get = (path: string) => exports.default.fetch(new Request(`http://localhost${path}`))
const bodyOf = async (response: Response) => (await response.json()) as any

describe('the check versions of a notice', () => {
  it('lists every one, oldest first, with its lock and what it answers for by default', async () => {
    const response = await get('/api/notices/wechat-red-lines/checks?lang=en')
    expect(response.status).toBe(200)
    const { notice: id, checks } = await bodyOf(response)
    expect(id).toBe('wechat-red-lines')
    expect(checks.map((c: any) => c.check)).toEqual(notice.checks.map((c) => c.check))
    expect(checks.map((c: any) => c.sha256)).toEqual(notice.checks.map((c) => c.sha256))
    expect(checks.at(-1)).toMatchObject({
      check: newest.check,
      summary: newest.summary.en,
      covers: newest.covers,
      answersByDefault: newest.covers,
    })
    // An older one still covers its versions, but no longer answers for them by default.
    expect(checks[0]).toMatchObject({ check: 1, extends: null, answersByDefault: [] })
  })

  it('resolves the check.sha256 an answer cites, and a number, to the same record', async () => {
    const answer = await bodyOf(
      await exports.default.fetch(
        new Request('http://localhost/api/check', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'cf-connecting-ip': '198.51.100.77' },
          body: JSON.stringify({ text: '红包收到了' }),
        }),
      ),
    )
    const bySha = await get(`/api/notices/wechat-red-lines/checks/sha256:${answer.check.sha256}`)
    expect(bySha.status).toBe(200)
    const record = await bodyOf(bySha)
    expect(record).toMatchObject({ check: answer.check.version, sha256: answer.check.sha256 })
    const byNumber = await bodyOf(await get(`/api/notices/wechat-red-lines/checks/${record.check}`))
    expect(byNumber).toEqual(record)
    expect(record.summary).toBe(newest.summary.zh) // zh by default
  })

  it.each([
    ['/api/notices/wechat-red-lines/checks/99', 'check_not_found', /has no such check version/],
    ['/api/notices/wechat-red-lines/checks/c13', 'check_not_found', /a number \(13\) or sha256:/],
    [`/api/notices/wechat-red-lines/checks/sha256:${'0'.repeat(64)}`, 'check_not_found', /c1, c2/],
    ['/api/notices/wechat-red-lines/checks/sha256:abc', 'check_not_found', /64 hex digits/],
    ['/api/notices/no-such-notice/checks', 'notice_not_found', /no-such-notice/],
  ])('%s is a 404 %s', async (path, code, message) => {
    const response = await get(path)
    expect(response.status).toBe(404)
    const { error } = await bodyOf(response)
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
  })
})
