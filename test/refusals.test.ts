// Requests refused before any handler runs, or by reading the body: each gets a status, a code and
// a message in the one error shape (an HTML page to match outside /api), never a 500 or a log line.
import { exports } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { admin, createLinks, importRoster, pathOf } from './ack-helpers'

let client = 0
function send(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array },
) {
  return exports.default.fetch(
    new Request(`http://localhost${path}`, {
      method: init.method ?? 'POST',
      redirect: 'manual',
      headers: { 'cf-connecting-ip': `192.0.2.${++client % 250}`, ...init.headers },
      body: init.body,
    }),
  )
}

async function errorOf(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = (await response.json()) as {
    error: { status: number; code: string; message: string }
  }
  expect(body.error.status).toBe(response.status)
  expect(body.error.message).toMatch(/\S/)
  return body.error
}

const logged = vi.spyOn(console, 'error')
afterEach(() => {
  const lines = logged.mock.calls.length
  logged.mockClear()
  expect(lines, 'error log lines').toBe(0)
})

let link = ''
beforeAll(async () => {
  expect((await importRoster('external_id,name,unit\nRF-1,刘洋,测试局/拒绝\n')).status).toBe(200)
  const { links } = await createLinks({ unit: '测试局/拒绝' })
  link = pathOf(links[0]!.url)
})

const UNREADABLE: [string, string, string][] = [
  ['multipart without a boundary', 'multipart/form-data', 'x'],
  ['multipart without its first boundary', 'multipart/form-data; boundary=abc', 'x'],
  [
    'multipart cut short',
    'multipart/form-data; boundary=abc',
    '--abc\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi',
  ],
  ['a form in UTF-16', 'application/x-www-form-urlencoded; charset=utf-16', 'text=hi'],
  ['a form in an unknown charset', 'application/x-www-form-urlencoded; charset=nope', 'text=hi'],
]

describe('a form body that cannot be read', () => {
  const paths = () => [
    ['/check', '/check'],
    ['a personal link', link],
    ['a made-up link', '/a/not-a-token'],
  ]
  it.each(UNREADABLE)('%s: 400 with the error page, on every form', async (_, type, body) => {
    for (const [, path] of paths()) {
      for (const lang of ['zh', 'en']) {
        const response = await send(`${path}?lang=${lang}`, {
          headers: { 'content-type': type, origin: 'http://localhost' },
          body,
        })
        expect(response.status, `${path} ${lang}`).toBe(400)
        expect(response.headers.get('content-type')).toMatch(/^text\/html/)
        const page = await response.text()
        expect(page).toContain('HTTP 400 · <code>')
        expect(page).toMatch(lang === 'zh' ? /表单/ : /form/)
      }
    }
  })

  it('a form posted as something else is a 415 that says what to send', async () => {
    for (const path of ['/check', link]) {
      const response = await send(`${path}?lang=en`, {
        headers: { 'content-type': 'text/plain', origin: 'http://localhost' },
        body: 'text=hi',
      })
      expect(response.status).toBe(415)
      expect(await response.text()).toContain('application/x-www-form-urlencoded')
    }
  })
})

describe('the /check form and cross-site posts', () => {
  const form = (headers: Record<string, string>) =>
    send('/check?lang=en', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: 'text=%E7%BA%A2%E5%8C%85%E6%94%B6%E5%88%B0%E4%BA%86',
    })

  it.each([
    ['no Origin (WeChat, curl)', {}],
    ['Origin: null', { origin: 'null' }],
    ['its own Origin', { origin: 'http://localhost' }],
    ['same-origin fetch metadata', { 'sec-fetch-site': 'same-origin' }],
  ])('works with %s', async (_, headers) => {
    const response = await form(headers)
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('<mark')
  })

  it.each([
    ['an Origin naming another site', { origin: 'https://evil.example' }],
    ['cross-site fetch metadata', { 'sec-fetch-site': 'cross-site' }],
  ])('refuses %s with a page that says why', async (_, headers) => {
    const response = await form(headers)
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('another site')
  })

  it('a cross-site form post anywhere else is refused with a code and a message', async () => {
    const response = await send('/api/notices', {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body: 'a=1',
    })
    expect(response.status).toBe(403)
    expect(await errorOf(response)).toMatchObject({ code: 'cross_site_request' })
  })
})

describe('JSON APIs', () => {
  const JSON_ROUTES: [string, string, Record<string, string>][] = [
    ['/api/check', '{"text":"hi"}', {}],
    ['/api/check/batch', '{"texts":["hi"]}', {}],
    ['/api/admin/links', '{"notice":"wechat-red-lines","version":2}', admin()],
  ]
  const WRONG_TYPES = [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/jsonx',
    undefined,
  ]

  it.each(JSON_ROUTES)(
    '%s: any other content type is a 415 saying to send JSON',
    async (path, body, headers) => {
      for (const type of WRONG_TYPES) {
        const response = await send(path, {
          headers: { ...headers, ...(type ? { 'content-type': type } : {}) },
          body,
        })
        expect(response.status, String(type)).toBe(415)
        const error = await errorOf(response)
        expect(error.code).toBe('unsupported_media_type')
        expect(error.message).toContain('application/json')
      }
    },
  )

  it.each(JSON_ROUTES)(
    '%s: a body that is not JSON is a 400 invalid_json',
    async (path, _, headers) => {
      for (const body of ['{"text": "红包', '', 'text=hi', '\u0000']) {
        const response = await send(path, {
          headers: { ...headers, 'content-type': 'application/json' },
          body,
        })
        expect(response.status, JSON.stringify(body)).toBe(400)
        expect((await errorOf(response)).code).toBe('invalid_json')
      }
    },
  )

  it.each(JSON_ROUTES)(
    '%s: JSON in another charset than UTF-8 is a 415, and bytes that are not UTF-8 a 400',
    async (path, body, headers) => {
      for (const charset of ['latin1', 'utf-16', 'gbk']) {
        const response = await send(path, {
          headers: { ...headers, 'content-type': `application/json; charset=${charset}` },
          body,
        })
        expect(response.status, charset).toBe(415)
        expect((await errorOf(response)).message).toContain(charset)
      }
      const utf8 = new TextEncoder()
      const broken = (bytes: number[]) =>
        new Uint8Array([
          ...utf8.encode(body.slice(0, -2)),
          ...bytes,
          ...utf8.encode(body.slice(-2)),
        ])
      for (const bytes of [
        [0xff, 0xfe],
        [0xe7, 0xba],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
      ]) {
        const response = await send(path, {
          headers: { ...headers, 'content-type': 'application/json' },
          body: broken(bytes),
        })
        expect(response.status, String(bytes)).toBe(400)
        const error = await errorOf(response)
        expect(error.code).toBe('invalid_json')
        expect(error.message).toMatch(/not UTF-8/)
      }
      for (const type of ['application/json; charset=utf-8', 'application/json; charset=UTF-8'])
        expect(
          (await send(path, { headers: { ...headers, 'content-type': type }, body })).status,
        ).not.toBe(415)
    },
  )

  it('the roster upload says which types it takes, with the same code', async () => {
    const response = await send('/api/admin/roster', {
      headers: admin({ 'content-type': 'application/xml' }),
      body: '<x/>',
    })
    expect(response.status).toBe(415)
    const error = await errorOf(response)
    expect(error.code).toBe('unsupported_media_type')
    expect(error.message).toMatch(/text\/csv.*application\/json/)
  })
})

describe('odd paths', () => {
  it.each(['//', '///a', '//evil.example/x', '/notices//versions'])(
    '%s: a 404 page whose links stay on this site',
    async (path) => {
      const response = await send(path, { method: 'GET' })
      expect(response.status).toBe(404)
      const page = await response.text()
      expect(page).toContain('HTTP 404 · <code>')
      for (const [, href] of page.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^\/(?!\/)/)
    },
  )
})
