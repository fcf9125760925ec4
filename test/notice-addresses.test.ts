import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { findNotice } from '../src/content/catalog'

const get = (path: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(new Request(`http://localhost${path}`, { headers }))

const notice = findNotice('wechat-red-lines')!
const [v1, v2] = notice.versions as [(typeof notice.versions)[0], (typeof notice.versions)[0]]
const IMMUTABLE = 'public, max-age=31536000, immutable'
const SHORT = 'public, max-age=300'
const base = '/notices/wechat-red-lines/versions'

describe('versions addressed by SHA-256', () => {
  it.each([
    ['v1', v1],
    ['v2', v2],
  ])('%s: the page and the JSON at sha256:<digest> are the version', async (_, version) => {
    const page = await get(`${base}/sha256:${version.sha256}?lang=zh`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain(`第 ${version.version} 版`)
    expect(html).toContain(version.languages.zh.rules[0]!.title)
    // One canonical address: the number.
    expect(html).toContain(
      `<link rel="canonical" href="http://localhost${base}/${version.version}?lang=zh">`,
    )
    const byDigest = await get(`/api${base}/sha256:${version.sha256}?lang=en`)
    const byNumber = await get(`/api${base}/${version.version}?lang=en`)
    expect(byDigest.status).toBe(200)
    expect(byDigest.headers.get('cache-control')).toBe(IMMUTABLE)
    expect(await byDigest.json()).toEqual(await byNumber.json())
  })

  it('accepts the digest in capitals too', async () => {
    const response = await get(`/api${base}/sha256:${v2.sha256.toUpperCase()}`)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { version: number }).version).toBe(2)
  })

  it('the JSON of a version names both of its addresses', async () => {
    const body = (await (await get(`/api${base}/2`)).json()) as Record<string, unknown>
    expect(body.url).toBe(`/api${base}/2`)
    expect(body.sha256Url).toBe(`/api${base}/sha256:${v2.sha256}`)
  })

  it.each([
    ['an unknown digest', `sha256:${'0'.repeat(64)}`, 404, 'version_not_found'],
    ['a digest of 63 digits', `sha256:${v1.sha256.slice(1)}`, 400, 'invalid_sha256'],
    ['a digest of 65 digits', `sha256:${v1.sha256}0`, 400, 'invalid_sha256'],
    ['a digest that is not hexadecimal', `sha256:${'g'.repeat(64)}`, 400, 'invalid_sha256'],
    ['a bare prefix', 'sha256:', 400, 'invalid_sha256'],
    ['another algorithm', `sha512:${v1.sha256}`, 400, 'invalid_version'],
  ])('%s -> %i %s, HTML and JSON', async (_, ref, status, code) => {
    const api = await get(`/api${base}/${ref}`)
    expect(api.status).toBe(status)
    expect(await api.json()).toEqual({ error: { status, code, message: expect.any(String) } })
    expect(api.headers.get('cache-control')).toBe('no-store')
    const page = await get(`${base}/${ref}`)
    expect(page.status).toBe(status)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
  })
})

describe('caching by what the bytes depend on', () => {
  it.each([
    ['by number', `${base}/1`],
    ['by SHA-256', `${base}/sha256:${v1.sha256}`],
  ])(
    'a replaced version (%s) is immutable, its ETag made from its SHA-256 and language',
    async (_, path) => {
      const zh = await get(`${path}?lang=zh`)
      const en = await get(`${path}?lang=en`)
      expect(zh.headers.get('cache-control')).toBe(IMMUTABLE)
      const [tagZh, tagEn] = [zh.headers.get('etag')!, en.headers.get('etag')!]
      expect(tagZh).toMatch(new RegExp(`^"[^"]*${v1.sha256.slice(0, 16)}[^"]*-zh-[^"]*"$`))
      expect(tagEn).toMatch(new RegExp(`^"[^"]*${v1.sha256.slice(0, 16)}[^"]*-en-[^"]*"$`))
      expect(tagZh).not.toBe(tagEn)
      // The same page again: the same bytes and ETag.
      const again = await get(`${path}?lang=zh`)
      expect(again.headers.get('etag')).toBe(tagZh)
      expect(await again.text()).toBe(await zh.text())
    },
  )

  it('If-None-Match with the ETag answers 304, no body, with the caching headers', async () => {
    const first = await get(`${base}/1?lang=zh`)
    const etag = first.headers.get('etag')!
    const again = await get(`${base}/1?lang=zh`, { 'If-None-Match': `"other", ${etag}` })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    expect(again.headers.get('etag')).toBe(etag)
    expect(again.headers.get('cache-control')).toBe(IMMUTABLE)
    const stale = await get(`${base}/1?lang=zh`, { 'If-None-Match': '"something-else"' })
    expect(stale.status).toBe(200)
  })

  it.each([
    ['the version in effect, by number', `${base}/2`, SHORT],
    ['the version in effect, by SHA-256', `${base}/sha256:${v2.sha256}`, SHORT],
    ['its JSON, which never mentions where it stands', `/api${base}/2`, IMMUTABLE],
    ['a comparison', '/notices/wechat-red-lines/compare/1...2', IMMUTABLE],
    ['the current address', '/notices/wechat-red-lines', SHORT],
    ['the history', `${base}`, SHORT],
  ])('%s: %s -> %s', async (_, path, policy) => {
    const response = await get(path)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe(policy)
    expect(response.headers.get('etag')).toMatch(/^"[^"]+"$/)
  })

  it('every fixed page carries the full set of security headers', async () => {
    for (const path of [`${base}/1`, `/api${base}/1`, '/']) {
      const response = await get(path)
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('x-request-id')).toMatch(/^[\w-]+$/)
    }
  })
})

describe('links that travel', () => {
  it.each(['/', '/notices/wechat-red-lines', `${base}/1`, '/rules/rumours', '/check'])(
    '%s has an absolute og:url in its language and the share image',
    async (path) => {
      const body = await (await get(`${path}${path.includes('?') ? '&' : '?'}lang=en`)).text()
      expect(body).toMatch(/<meta property="og:url" content="http:\/\/localhost\/[^"]*lang=en">/)
      expect(body).toContain('<meta property="og:image" content="http://localhost/share.png">')
    },
  )

  it('the share image is a small PNG', async () => {
    const response = await get('/share.png')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect([...bytes.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(bytes.length).toBeLessThan(8 * 1024)
    const etag = response.headers.get('etag')!
    expect((await get('/share.png', { 'If-None-Match': etag })).status).toBe(304)
  })
})
