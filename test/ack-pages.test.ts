/** What an official sees on a phone: the form, the error where the eye is, the receipt. */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { findNotice } from '../src/content/catalog'
import { localTime } from '../src/time'
import { acknowledge, call, createLinks, importRoster, openForm, pathOf, post } from './ack-helpers'

const ROSTER = `external_id,name,unit
P001,张伟,广东省/广州市/教育局
P002,王芳,广东省/广州市/教育局
P003,李娜,湖南省/长沙市
P004,刘洋,湖南省/长沙市
`
const v2 = findNotice('wechat-red-lines')!.versions[1]!
let links: Record<string, string>

beforeAll(async () => {
  expect((await importRoster(ROSTER)).status).toBe(200)
  const due = await createLinks({ unit: '广东省/广州市', dueDate: '2026-12-31' })
  const undated = await createLinks({ unit: '湖南省' })
  links = Object.fromEntries(
    [...due.links, ...undated.links].map((l) => [l.externalId, pathOf(l.url)]),
  )
})

const main = (page: string) => /<main>([\s\S]*)<\/main>/.exec(page)![1]!
const readable = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ')

describe('the acknowledgement page', () => {
  it('says to whom it was sent and by when, in Chinese without stray spaces', async () => {
    const { page } = await openForm(links.P001!)
    expect(page).toContain(
      '<p>本链接仅发给广东省/广州市/教育局的一位干部本人，请勿转发。请阅读以下全文，然后在页面底部确认。</p>',
    )
    expect(page).toContain('<strong>请于2026年12月31日前完成确认。</strong>')
  })

  it('says nothing of a due date when the links had none', async () => {
    const { page } = await openForm(links.P003!)
    expect(page).not.toContain('前完成确认')
    const english = await openForm(links.P003!, 'en')
    expect(english.page).not.toContain('Please acknowledge by')
  })

  it('keeps the hashes folded away and the reader on the page', async () => {
    const { page } = await openForm(links.P001!)
    const body = main(page)
    // The digests are there, inside <details>, not in the way of the form.
    const folded = /<details class="meta">([\s\S]*?)<\/details>/.exec(body)![1]!
    expect(folded).toContain(v2.sha256)
    expect(folded).toContain(v2.languages.zh.textSha256)
    expect(body.replace(/<details[\s\S]*?<\/details>/g, '')).not.toContain(v2.sha256)
    // No link to a rule's history (or anywhere else) between the text and the form.
    expect(body).not.toMatch(/href="\/rules\//)
    expect(body.match(/<a /g) ?? []).toHaveLength(0)
  })

  it('posts to an address that opens the answer at the error', async () => {
    const { page } = await openForm(links.P001!)
    expect(page).toMatch(/<form method="post" action="\/a\/[^"#]+\?lang=zh#form-error"/)
  })
})

describe('a wrong name', () => {
  it('is refused with 422 on a page whose fragment target is the error, styled as one', async () => {
    const form = await openForm(links.P002!)
    const response = await post(links.P002!, {
      csrf: form.csrf,
      lang: 'zh',
      text: form.text,
      statement: 'agree',
      name: '别人',
    })
    expect(response.status).toBe(422)
    const page = await response.text()
    expect(page).toMatch(/<div class="status-box error" role="alert" id="form-error">/)
    const error = readable(/id="form-error">([\s\S]*?)<\/div>/.exec(page)![1]!)
    expect(error).toContain('请更正')
    expect(error).toContain('不一致')
    expect(error).toContain(`如有疑问，请联系：${env.ORG_CONTACT}`)
    // The same form again, the name kept and marked invalid, still posting to #form-error.
    expect(page).toMatch(/aria-invalid="true" aria-describedby="form-error"/)
    expect(page).toContain('value="别人"')
    expect(page).toMatch(/action="\/a\/[^"#]+\?lang=zh#form-error"/)
  })
})

describe('the receipt', () => {
  let page: string
  let json: { receipt: { acknowledgedAt: string; notice: { sha256: string } } }

  beforeAll(async () => {
    const response = await acknowledge(links.P004!, '刘洋')
    expect(response.status).toBe(303)
    // To the top of the receipt, not to the form's #form-error.
    expect(response.headers.get('Location')).toMatch(/#receipt-top$/)
    page = await (await call(`${links.P004}?lang=zh`)).text()
    json = await (await call(`${links.P004}/receipt.json`)).json()
  })

  it('gives the time in Beijing time; the signed JSON keeps UTC', () => {
    const { acknowledgedAt } = json.receipt
    expect(acknowledgedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const local = localTime(acknowledgedAt, 'Asia/Shanghai', 'zh')
    expect(local).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（北京时间）$/)
    expect(page).toMatch(new RegExp(`<th scope="row">确认时间</th>\\s*<td>${local}</td>`))
  })

  it('opens with a clear success mark and what was acknowledged', () => {
    expect(page).toMatch(
      /<div class="verdict pass" role="status">\s*<p>\s*<span class="sign" aria-hidden="true">✓<\/span>\s*<strong>已确认<\/strong>/,
    )
    expect(readable(page)).toContain(
      `确认阅读《${v2.languages.zh.title}》第 2 版全文，并承诺遵守。`,
    )
  })

  it('folds the hashes and the signature away, links the exact text by its SHA-256', () => {
    const body = main(page)
    const shown = body
      .replace(/<details[\s\S]*?<\/details>/g, '')
      .replace(/<div class="print-only">[\s\S]*?<\/dl>\s*<\/div>/, '')
    expect(shown).not.toContain(v2.languages.zh.textSha256)
    expect(shown).toContain(`href="/notices/wechat-red-lines/versions/sha256:${v2.sha256}?lang=zh"`)
    const folded = /<details class="meta noprint">([\s\S]*?)<\/details>/.exec(body)![1]!
    expect(folded).toContain(v2.languages.zh.textSha256)
    expect(folded).toContain(json.receipt.acknowledgedAt)
  })

  it('prints as a record with its digests, and says how to keep it inside WeChat', () => {
    expect(page).toMatch(/<div class="print-only">\s*<dl class="proof">/)
    expect(page).toContain('如何保存本回执')
    expect(page).toContain('在微信中')
    expect(page).toContain('存为 PDF')
  })
})

describe('a link that cannot be used', () => {
  it.each([
    [
      'a link that is not ours',
      '/a/1.wechat-red-lines.2.9999999999.AAAAAAAAAAAAAAAAAAAAAA',
      401,
      'link_invalid',
    ],
  ])(
    '%s: %s in plain words, no code in the main text, whom to contact',
    async (_, path, status, code) => {
      const response = await call(`${path}?lang=zh`)
      expect(response.status).toBe(status)
      const page = await response.text()
      const shown = main(page).replace(/<details[\s\S]*?<\/details>/g, '')
      expect(shown).not.toContain(code)
      expect(shown).not.toMatch(new RegExp(`\\b${status}\\b`))
      expect(shown).toContain('此确认链接无效')
      expect(shown).toContain(`如有疑问，请联系：${env.ORG_CONTACT}`)
      expect(page).toMatch(new RegExp(`<details[\\s\\S]*HTTP ${status} · <code>${code}</code>`))
    },
  )
})
