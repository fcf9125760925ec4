import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { findNotice } from '../src/content/catalog'

const get = (path: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(new Request(`http://localhost${path}`, { headers }))

const notice = findNotice('wechat-red-lines')!
const latest = notice.versions.at(-1)!
const IMMUTABLE = 'public, max-age=31536000, immutable'

describe('pages and their JSON', () => {
  it.each([
    ['/', '/api/notices'],
    ['/notices/wechat-red-lines', '/api/notices/wechat-red-lines'],
    ['/notices/wechat-red-lines/versions', '/api/notices/wechat-red-lines/versions'],
    ['/notices/wechat-red-lines/versions/1', '/api/notices/wechat-red-lines/versions/1'],
    ['/notices/wechat-red-lines/compare/1...2', '/api/notices/wechat-red-lines/compare/1...2'],
    ['/rules/red-envelopes', '/api/rules/red-envelopes'],
  ])('%s is HTML and %s is JSON', async (htmlPath, jsonPath) => {
    const page = await get(htmlPath)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    const body = await page.text()
    expect(body).not.toMatch(/<script/i)
    expect(body).toMatch(/<meta property="og:title" content="[^"]+"/)
    const api = await get(jsonPath)
    expect(api.status).toBe(200)
    expect(api.headers.get('content-type')).toMatch(/^application\/json/)
  })

  it('serves a version whole, with the fields clients rely on', async () => {
    const body = (await (
      await get('/api/notices/wechat-red-lines/versions/2?lang=en')
    ).json()) as any
    expect(body).toMatchObject({
      notice: 'wechat-red-lines',
      version: 2,
      lang: 'en',
      effectiveFrom: '2017-06-01',
      sha256: notice.versions[1]!.sha256,
      summary: expect.stringContaining('election'),
    })
    expect(body.title).toMatch(/red lines/i)
    expect(body.rules).toHaveLength(8)
    expect(body.rules[3]).toMatchObject({
      id: 'red-envelopes',
      number: 4,
      change: 'material',
      changedMaterially: true,
    })
    expect(body.rules[3].html).toContain('<p>')
    expect(body.rules[3].text).toContain('election')
  })

  it.each([
    ['?lang=en', {}, 'en'],
    ['?lang=zh', { 'Accept-Language': 'en-GB,en;q=0.9' }, 'zh'],
    ['', { 'Accept-Language': 'en-US,en;q=0.8' }, 'en'],
    ['', { 'Accept-Language': 'fr-FR' }, 'zh'],
    ['', {}, 'zh'],
  ])(
    'language %s with %o is %s, and the page links to the other one',
    async (query, headers, lang) => {
      const response = await get(`/notices/wechat-red-lines${query}`, headers)
      const body = await response.text()
      expect(body).toContain(`<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">`)
      expect(body).toContain(`href="/notices/wechat-red-lines?lang=${lang === 'zh' ? 'en' : 'zh'}"`)
      if (!query) expect(response.headers.get('vary')).toContain('Accept-Language')
    },
  )

  it('the current notice page shows the current version and links to its history', async () => {
    const body = await (await get('/notices/wechat-red-lines?lang=zh')).text()
    expect(body).toContain(`第 ${latest.version} 版`)
    expect(body).toContain('href="/notices/wechat-red-lines/versions?lang=zh"')
    expect(body).toContain('一国两制')
    expect(body).toContain('500')
  })

  it('compares v1 with v2: which rules changed, how, and the text diff', async () => {
    const body = (await (await get('/api/notices/wechat-red-lines/compare/1...2')).json()) as any
    expect(body.added).toEqual([])
    expect(body.removed).toEqual([])
    expect(body.changed).toEqual([
      { id: 'rumours', material: false },
      { id: 'red-envelopes', material: true },
    ])
    const red = body.rules.find((r: { id: string }) => r.id === 'red-envelopes')
    expect(
      red.diff
        .filter((p: { op: string }) => p.op === 'insert')
        .map((p: { text: string }) => p.text)
        .join(''),
    ).toContain('换届选举')
    const page = await (await get('/notices/wechat-red-lines/compare/1...2')).text()
    expect(page).toMatch(/<ins>[^<]*换届选举/)
  })
})

describe('page weight', () => {
  it.each([
    ['the start page', '/?lang=zh'],
    ['a notice page in zh', '/notices/wechat-red-lines?lang=zh'],
    ['a notice page in en', '/notices/wechat-red-lines?lang=en'],
    ['a replaced version', '/notices/wechat-red-lines/versions/1?lang=zh'],
    ['a version by SHA-256', `/notices/wechat-red-lines/versions/sha256:${latest.sha256}?lang=zh`],
    ['the history', '/notices/wechat-red-lines/versions?lang=zh'],
    ['a comparison', '/notices/wechat-red-lines/compare/1...2?lang=zh'],
    ['a rule', '/rules/red-envelopes?lang=zh'],
    ['the check form', '/check?lang=zh'],
    ['an error page', '/notices/wechat-red-lines/versions/9?lang=zh'],
  ])('%s, HTML with its CSS, fits in one round trip (<= 14 KB gzipped)', async (_, path) => {
    const response = await get(path)
    const gzipped = response.body!.pipeThrough(new CompressionStream('gzip'))
    const bytes = (await new Response(gzipped).arrayBuffer()).byteLength
    expect(bytes).toBeLessThanOrEqual(14 * 1024)
  })
})

describe('caching', () => {
  it('serves published versions as immutable with a strong ETag, and answers 304', async () => {
    const first = await get('/notices/wechat-red-lines/versions/1')
    expect(first.headers.get('cache-control')).toBe(IMMUTABLE)
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^"[^"]+"$/)
    const again = await get('/notices/wechat-red-lines/versions/1', { 'If-None-Match': etag! })
    expect(again.status).toBe(304)
    const api = await get('/api/notices/wechat-red-lines/versions/1')
    expect(api.headers.get('cache-control')).toBe(IMMUTABLE)
  })

  it.each(['/notices/wechat-red-lines', '/api/notices/wechat-red-lines', '/api/notices'])(
    '%s can move to a newer version, so it is cached briefly',
    async (path) => {
      expect((await get(path)).headers.get('cache-control')).toBe('public, max-age=300')
    },
  )
})

describe('errors', () => {
  it.each([
    ['/api/notices/nope', 404, 'notice_not_found'],
    ['/api/notices/wechat-red-lines/versions/99', 404, 'version_not_found'],
    ['/api/notices/wechat-red-lines/versions/two', 400, 'invalid_version'],
    ['/api/notices/wechat-red-lines/versions/0', 400, 'invalid_version'],
    ['/api/notices/wechat-red-lines/compare/1..2', 400, 'invalid_range'],
    ['/api/notices/wechat-red-lines/compare/1...99', 404, 'version_not_found'],
    ['/api/rules/nope', 404, 'rule_not_found'],
    ['/api/nothing-here', 404, 'not_found'],
  ])('%s -> %i %s in the one error shape', async (path, status, code) => {
    const response = await get(path)
    expect(response.status).toBe(status)
    const body = (await response.json()) as any
    expect(body).toEqual({ error: { status, code, message: expect.any(String) } })
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it.each([
    ['/notices/nope', 404, '找不到这份通知'],
    ['/notices/wechat-red-lines/versions/x', 400, '版本地址的写法不对'],
    ['/notices/wechat-red-lines/compare/2-1', 400, '比较地址的写法不对'],
    ['/rules/nope', 404, '找不到这一条'],
  ])('%s -> an HTML error page with status %i, titled %s', async (path, status, title) => {
    const response = await get(path)
    expect(response.status).toBe(status)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    const body = await response.text()
    expect(body).toContain(`<h1>${title}</h1>`)
    expect(body).toContain(`<title>${title}</title>`)
  })
})

/** The page without its folded technical details: what a reader sees first. */
const mainText = (body: string) =>
  (/<main>([\s\S]*)<\/main>/.exec(body)?.[1] ?? '').replace(/<details[\s\S]*?<\/details>/g, '')

describe('error pages speak to officials', () => {
  it.each([
    ['zh', '地址中的通知不存在，链接可能不完整。'],
    ['en', 'There is no notice "nope".'],
  ])("%s: what happened, in the reader's language", async (lang, message) => {
    const body = await (await get(`/notices/nope?lang=${lang}`)).text()
    expect(body).toContain(`<p>${message.replace(/"/g, '&quot;')}</p>`)
  })

  it.each([
    ['/notices/wechat-red-lines/versions/9', 404, 'version_not_found'],
    ['/notices/wechat-red-lines/versions/x', 400, 'invalid_version'],
    ['/notices/wechat-red-lines/versions/sha256:abc', 400, 'invalid_sha256'],
    ['/notices/nope', 404, 'notice_not_found'],
    ['/rules/nope', 404, 'rule_not_found'],
    ['/nothing-here', 404, 'not_found'],
  ])(
    '%s (%i %s): no status or code in the main text, what to do, whom to contact',
    async (path, status, code) => {
      for (const lang of ['zh', 'en']) {
        const body = await (await get(`${path}?lang=${lang}`)).text()
        const main = mainText(body)
        expect(main).not.toContain(code)
        expect(main).not.toMatch(new RegExp(`\\b${status}\\b`))
        expect(main).toContain(lang === 'zh' ? '如有疑问，请联系：' : 'Questions? Contact: ')
        expect(main).toContain(env.ORG_CONTACT)
        // The code and status are still there, folded, for whoever the reader asks.
        expect(body).toMatch(new RegExp(`<details[\\s\\S]*HTTP ${status} · <code>${code}</code>`))
      }
    },
  )

  it.each([
    '/notices/wechat-red-lines/versions/9',
    '/notices/wechat-red-lines/versions/sha256:' + '0'.repeat(64),
    '/notices/wechat-red-lines/compare/1...9',
  ])('%s links to the version history', async (path) => {
    const body = mainText(await (await get(`${path}?lang=zh`)).text())
    expect(body).toContain('href="/notices/wechat-red-lines/versions?lang=zh"')
    expect(body).toContain('版本历史列出了这份通知的每一版')
  })

  it('an unknown notice links to the start page, not to a history that does not exist', async () => {
    const body = mainText(await (await get('/notices/nope/versions/2?lang=en')).text())
    expect(body).not.toContain('/notices/nope/versions?')
    expect(body).toContain('href="/?lang=en"')
  })
})

describe('security headers', () => {
  it('sets a CSP that allows no script and only our own stylesheet', async () => {
    const response = await get('/notices/wechat-red-lines')
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).not.toMatch(/script-src|unsafe-inline/)
    const style = /<style>([^<]*)<\/style>/.exec(await response.text())?.[1] ?? ''
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(style))
    expect(csp).toContain(`'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
  })
})

describe('OpenAPI', () => {
  it('documents every JSON route and its errors', async () => {
    const doc = (await (await get('/api/openapi.json')).json()) as any
    expect(doc.openapi).toBe('3.1.0')
    for (const path of [
      '/api/notices',
      '/api/notices/{id}',
      '/api/notices/{id}/versions',
      '/api/notices/{id}/versions/{n}',
      '/api/notices/{id}/compare/{range}',
      '/api/rules/{ruleId}',
    ])
      expect(doc.paths[path]?.get, path).toBeDefined()
    expect(doc.paths['/api/notices/{id}/versions/{n}'].get.responses['400']).toBeDefined()
    expect(doc.components.schemas.Error).toBeDefined()
  })
})
