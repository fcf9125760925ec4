/**
 * The check API for integrators: hits that cite their rule, CORS for the allowed sites, and check
 * keys with limits of their own. Through the Worker's fetch, against real D1.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { CHECK_KEY_TIERS } from '../src/admin/api-tokens'
import { createApp } from '../src/app'
import { checkedNotices, rulePackFor } from '../src/check/packs'
import { archive } from './check-helpers'
import { findNotice } from '../src/content/catalog'
import { corsOrigins, KEY_GUESSES_PER_MINUTE, limiterOfTier } from '../src/routes/check-access'
import { admin, rows } from './ack-helpers'
import { signedInBrowser } from './console-helpers'
import { startOfFreshWindow } from './rate-window'

const ALLOWED = 'https://chat.example.org'
const ALSO_ALLOWED = 'https://app.example.org' // configured with a trailing slash
const STRANGER = 'https://evil.example'

let client = 0
const nextAddress = () => `203.0.113.${++client}`

function check(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  ip = nextAddress(),
) {
  return exports.default.fetch(
    new Request(`http://localhost${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'cf-connecting-ip': ip, ...headers },
      body: JSON.stringify(body),
    }),
  )
}

function preflight(path: string, origin: string | undefined, extra: Record<string, string> = {}) {
  return exports.default.fetch(
    new Request(`http://localhost${path}`, {
      method: 'OPTIONS',
      headers: {
        ...(origin ? { Origin: origin } : {}),
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,authorization',
        'cf-connecting-ip': nextAddress(),
        ...extra,
      },
    }),
  )
}

const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-'))

async function makeKey(body: Record<string, unknown>) {
  const response = await exports.default.fetch(
    new Request('http://localhost/api/admin/tokens', {
      method: 'POST',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ unit: null, label: 'chat server', kind: 'check', ...body }),
    }),
  )
  return response
}

async function madeKey(rateLimit?: number) {
  const response = await makeKey(rateLimit === undefined ? {} : { rateLimit })
  expect(response.status).toBe(201)
  return (await response.json()) as {
    token: string
    id: string
    kind: string
    rateLimit: number
    access: string
  }
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })
const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { status: number; code: string; message: string } }).error

const notice = findNotice('wechat-red-lines')!

describe('each hit cites its rule at the version checked against', () => {
  it.each([
    [1, 'zh'],
    [1, 'en'],
    [2, 'zh'],
    [2, 'en'],
  ] as const)('v%i in %s: number, title and the address of the rule', async (n, lang) => {
    const response = await check(`/api/check?lang=${lang}`, { text: '红包收到了', version: n })
    expect(response.status).toBe(200)
    const body = (await response.json()) as any
    const rule = notice.versions[n - 1]!.languages[lang].rules.find(
      (r) => r.id === 'red-envelopes',
    )!
    expect(body.hits[0]).toMatchObject({
      rule: 'red-envelopes',
      ruleNumber: rule.number,
      ruleTitle: rule.title,
      ruleUrl: `http://localhost/notices/wechat-red-lines/versions/${n}?lang=${lang}#red-envelopes`,
    })
    // The address is a page the site serves, showing that rule of that version.
    const page = await exports.default.fetch(new Request(body.hits[0].ruleUrl))
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain(`id="red-envelopes"`)
    expect(html).toContain(rule.title)
  })

  it('without ?lang the title is in Chinese, whatever the text', async () => {
    const body = (await (await check('/api/check', { text: 'hongbao received' })).json()) as any
    expect(body.hits[0].ruleTitle).toBe('不得收受电子红包')
    expect(body.hits[0].ruleUrl).toContain('?lang=zh#red-envelopes')
  })

  it('Accept-Language: en gives English titles', async () => {
    const body = (await (
      await check('/api/check', { text: '红包收到了' }, { 'Accept-Language': 'en-GB,en' })
    ).json()) as any
    expect(body.hits[0].ruleTitle).toBe('Do not accept electronic red envelopes')
  })

  it('a batch cites in every result, and a capped result still says truncated and totalHits', async () => {
    const body = (await // Check version c1, where a bare 红包 is a hit (c2 asks for context).
    (
      await check('/api/check/batch?lang=en', { texts: ['明天开会', '红包'.repeat(150)], check: 1 })
    ).json()) as any
    expect(body.results[0]).toMatchObject({ verdict: 'pass', hits: [] })
    expect(body.results[1]).toMatchObject({ truncated: true, totalHits: 150 })
    expect(body.results[1].hits).toHaveLength(100)
    for (const hit of body.results[1].hits)
      expect(hit).toMatchObject({ ruleNumber: 4, ruleTitle: expect.stringMatching(/^Do not/) })
  })

  it.each(
    checkedNotices().flatMap((id) =>
      findNotice(id)!.versions.map((v) => [`${id}@${v.version}`, v] as const),
    ),
  )('%s: every rule its check names is a rule of that version, in both languages', async (_, v) => {
    const pack = await rulePackFor(archive, v.notice, v.version)
    if (!pack) return
    for (const lang of ['zh', 'en'] as const) {
      const ids = new Set(v.languages[lang].rules.map((r) => r.id))
      for (const rule of pack.rules) expect(ids).toContain(rule.id)
    }
  })
})

describe('CORS on the check API', () => {
  it.each([['/api/check'], ['/api/check/batch']])(
    '%s: a preflight from an allowed origin is 204 with the methods, headers and max age',
    async (path) => {
      const response = await preflight(path, ALLOWED)
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED)
      expect(response.headers.get('access-control-allow-methods')).toContain('POST')
      const allowed = response.headers.get('access-control-allow-headers')!.toLowerCase()
      for (const name of ['content-type', 'authorization', 'x-api-key'])
        expect(allowed).toContain(name)
      expect(response.headers.get('access-control-max-age')).toBe('7200')
      expect(response.headers.get('vary')).toMatch(/Origin/)
    },
  )

  it('an origin configured with a trailing slash is allowed as the browser sends it', async () => {
    const response = await preflight('/api/check', ALSO_ALLOWED)
    expect(response.headers.get('access-control-allow-origin')).toBe(ALSO_ALLOWED)
  })

  it.each([
    ['another site', STRANGER],
    ['a look-alike', 'https://chat.example.org.evil.example'],
    ['another scheme', 'http://chat.example.org'],
    ['no Origin', undefined],
    ['Origin: null', 'null'],
  ])('a preflight from %s gets 204 and no CORS headers at all', async (_, origin) => {
    const response = await preflight('/api/check', origin)
    expect(response.status).toBe(204)
    expect(corsHeaders(response)).toEqual([])
  })

  it('a preflight is answered before the key is read, so it costs nothing', async () => {
    const response = await preflight('/api/check', ALLOWED, { Authorization: 'Bearer nonsense' })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED)
  })

  it('a cross-origin JSON call from an allowed site, with a key, is answered and readable', async () => {
    const { token } = await madeKey()
    const response = await check(
      '/api/check',
      { text: '红包收到了', check: 1 },
      {
        Origin: ALLOWED,
        'Sec-Fetch-Site': 'cross-site',
        'Sec-Fetch-Mode': 'cors',
        ...bearer(token),
      },
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(response.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i)
    expect(response.headers.get('vary')).toMatch(/Origin/)
    expect(((await response.json()) as any).verdict).toBe('block')
  })

  it('a refusal to an allowed site carries CORS headers too, so its page can read why', async () => {
    const response = await check(
      '/api/check',
      { text: '' },
      { Origin: ALLOWED, 'Sec-Fetch-Site': 'cross-site' },
    )
    expect(response.status).toBe(400)
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED)
  })

  it('a call from another site still works (for callers that are not browsers) but gets no CORS headers', async () => {
    const response = await check(
      '/api/check/batch',
      { texts: ['红包'] },
      { Origin: STRANGER, 'Sec-Fetch-Site': 'cross-site' },
    )
    expect(response.status).toBe(200)
    expect(corsHeaders(response)).toEqual([])
  })

  it.each([['/api/notices'], ['/api/admin/tokens'], ['/api/openapi.json']])(
    '%s: no CORS, even for an allowed origin',
    async (path) => {
      const response = await exports.default.fetch(
        new Request(`http://localhost${path}`, { headers: { Origin: ALLOWED, ...admin() } }),
      )
      expect(corsHeaders(response)).toEqual([])
      const options = await exports.default.fetch(
        new Request(`http://localhost${path}`, {
          method: 'OPTIONS',
          headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'POST' },
        }),
      )
      expect(corsHeaders(options)).toEqual([])
    },
  )

  async function withSetting(setting: string, origin: string) {
    const ctx = createExecutionContext()
    const response = await createApp().fetch(
      new Request('http://localhost/api/check', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: origin },
        body: JSON.stringify({ text: '红包' }),
      }),
      { ...env, CHECK_CORS_ORIGINS: setting },
      ctx,
    )
    await waitOnExecutionContext(ctx)
    return response
  }

  it('empty (the default): no CORS headers for anyone, and checks still work', async () => {
    const response = await withSetting('', ALLOWED)
    expect(response.status).toBe(200)
    expect(corsHeaders(response)).toEqual([])
  })

  it('*: any origin may read the answers', async () => {
    const response = await withSetting('*', STRANGER)
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
  })

  it.each([
    ['', false, []],
    [' , ', false, []],
    ['*', true, []],
    [
      'https://a.example, https://b.example:8443/',
      false,
      ['https://a.example', 'https://b.example:8443'],
    ],
    ['HTTPS://A.Example', false, ['https://a.example']],
    ['https://a.example/path, not a url, https://c.example', false, ['https://c.example']],
    ['https://a.example,*', true, ['https://a.example']],
  ])('CHECK_CORS_ORIGINS=%j -> any %s, origins %j', (setting, any, origins) => {
    const parsed = corsOrigins(setting)
    expect(parsed.any).toBe(any)
    expect([...parsed.origins]).toEqual(origins)
  })
})

describe('check keys', () => {
  it('an admin makes one through the admin API: rlk_, kind check, its limit, shown once', async () => {
    const key = await madeKey(6000)
    expect(key).toMatchObject({ kind: 'check', rateLimit: 6000, access: 'read' })
    expect(key.token).toMatch(/^rlk_[A-Za-z0-9_-]{43}$/)
    const [row] = await rows<Record<string, unknown>>(
      'SELECT * FROM api_tokens WHERE id = ?',
      key.id,
    )
    expect(row).toMatchObject({ kind: 'check', rate_limit: 6000 })
    expect(JSON.stringify(row)).not.toContain(key.token)
    const [entry] = await rows<{ counts: string }>(
      "SELECT counts FROM audit_log WHERE action = 'token.create' AND target = ?",
      key.id,
    )
    expect(JSON.parse(entry!.counts)).toEqual({ check: 1 })
  })

  it('without a limit it gets the anonymous allowance, 600', async () => {
    expect((await madeKey()).rateLimit).toBe(600)
  })

  it.each([
    [{ rateLimit: 61 }, 'invalid_rate_limit', '60, 600, 6,000, 60,000'],
    [{ rateLimit: 0 }, 'invalid_rate_limit', '60, 600'],
    [{ access: 'write' }, 'access_not_applicable', 'access'],
    [{ kind: 'admin', access: 'read', rateLimit: 600 }, 'rate_limit_not_applicable', 'check keys'],
    [{ kind: 'admin' }, 'invalid_access', 'read or write'],
  ])('%j -> 422 %s, nothing stored', async (body, code, words) => {
    const before = await rows('SELECT id FROM api_tokens')
    const response = await makeKey(body)
    expect(response.status).toBe(422)
    const error = await errorOf(response)
    expect(error).toMatchObject({ status: 422, code })
    expect(error.message).toContain(words)
    expect(await rows('SELECT id FROM api_tokens')).toEqual(before)
  })

  it.each([
    ['Authorization: Bearer', (t: string) => bearer(t)],
    ['X-Api-Key', (t: string) => ({ 'X-Api-Key': t })],
    ['both, the same key', (t: string) => ({ ...bearer(t), 'X-Api-Key': t })],
  ])('works as %s', async (_, headers) => {
    const { token } = await madeKey()
    expect((await check('/api/check', { text: '你好' }, headers(token))).status).toBe(200)
  })

  it('records its last use, at most once a minute', async () => {
    const { id, token } = await madeKey()
    const lastUsed = async () =>
      (
        await rows<{ last_used_at: string | null }>(
          'SELECT last_used_at FROM api_tokens WHERE id = ?',
          id,
        )
      )[0]!.last_used_at
    expect(await lastUsed()).toBeNull()
    expect((await check('/api/check', { text: '你好' }, bearer(token))).status).toBe(200)
    let first: string | null = null
    for (let i = 0; i < 50 && !first; i++) {
      first = await lastUsed()
      if (!first) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(first).toMatch(/^20\d\d-/)
    for (let i = 0; i < 3; i++)
      expect((await check('/api/check', { text: '你好' }, bearer(token))).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await lastUsed()).toBe(first)
  })

  it.each([
    ['an unknown key', () => `rlk_${'x'.repeat(43)}`],
    ['a malformed key', () => 'rlk_short'],
    ['ADMIN_TOKEN', () => env.ADMIN_TOKEN],
  ])('%s is 401 in the error shape', async (_, key) => {
    const response = await check('/api/check', { text: '你好' }, bearer(key()))
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(await errorOf(response)).toMatchObject({ status: 401, code: 'invalid_api_key' })
  })

  it('an Authorization header that is not a bearer key is 401; two different keys are 400', async () => {
    const basic = await check('/api/check', { text: '你好' }, { Authorization: 'Basic eDp5' })
    expect(basic.status).toBe(401)
    const [a, b] = [await madeKey(), await madeKey()]
    const both = await check(
      '/api/check',
      { text: '你好' },
      { ...bearer(a.token), 'X-Api-Key': b.token },
    )
    expect(both.status).toBe(400)
    expect((await errorOf(both)).code).toBe('conflicting_api_keys')
  })

  it('a revoked key is refused at once, on single checks and batches', async () => {
    const { id, token } = await madeKey()
    expect((await check('/api/check', { text: '你好' }, bearer(token))).status).toBe(200)
    const revoked = await exports.default.fetch(
      new Request(`http://localhost/api/admin/tokens/${id}`, {
        method: 'DELETE',
        headers: admin(),
      }),
    )
    expect(revoked.status).toBe(200)
    for (const [path, body] of [
      ['/api/check', { text: '你好' }],
      ['/api/check/batch', { texts: ['你好'] }],
    ] as const) {
      const response = await check(path, body, bearer(token))
      expect(response.status).toBe(401)
      expect(await errorOf(response)).toMatchObject({ code: 'invalid_api_key' })
    }
  })

  it('an admin token is not a check key: 401, saying which key to use', async () => {
    const made = await exports.default.fetch(
      new Request('http://localhost/api/admin/tokens', {
        method: 'POST',
        headers: admin({ 'Content-Type': 'application/json' }),
        body: JSON.stringify({ unit: null, access: 'read', label: 'reporting' }),
      }),
    )
    const { token } = (await made.json()) as { token: string }
    const response = await check('/api/check', { text: '你好' }, bearer(token))
    expect(response.status).toBe(401)
    expect((await errorOf(response)).message).toMatch(/admin API token.*check key/)
  })

  it('a check key opens nothing under /api/admin', async () => {
    const { token } = await madeKey()
    for (const path of ['/api/admin/tokens', '/api/admin/audit']) {
      const response = await exports.default.fetch(
        new Request(`http://localhost${path}`, { headers: bearer(token) }),
      )
      expect(response.status).toBe(401)
    }
  })

  it('the list shows check keys with their kind and limit', async () => {
    const key = await madeKey(60)
    const response = await exports.default.fetch(
      new Request('http://localhost/api/admin/tokens', { headers: admin() }),
    )
    const { tokens } = (await response.json()) as { tokens: any[] }
    expect(tokens.find((t) => t.id === key.id)).toMatchObject({ kind: 'check', rateLimit: 60 })
  })

  it.each(CHECK_KEY_TIERS.map((t) => [t]))('the tier %i has its rate limiting binding', (tier) => {
    expect(limiterOfTier(env, tier)).toBeDefined()
  })
})

describe('per-key rate limits', () => {
  let a: { token: string }
  let b: { token: string }
  beforeAll(async () => {
    a = await madeKey(60)
    b = await madeKey(60)
  })

  it("one key's use spends neither another key's allowance nor the address's", async () => {
    await startOfFreshWindow()
    const ip = nextAddress()
    const texts = Array.from({ length: 60 }, () => '你好')
    expect((await check('/api/check/batch', { texts }, bearer(a.token), ip)).status).toBe(200)
    const limited = await check('/api/check', { text: '你好' }, bearer(a.token), ip)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    const error = await errorOf(limited)
    expect(error).toMatchObject({ status: 429, code: 'rate_limited' })
    expect(error.message).toContain('This key may check 60 texts a minute')
    // The same address, another key: untouched.
    expect((await check('/api/check', { text: '你好' }, bearer(b.token), ip)).status).toBe(200)
    // The same address, no key: its own 600.
    expect((await check('/api/check', { text: '你好' }, {}, ip)).status).toBe(200)
    // From another address the key is still spent: it is counted per key, not per address.
    expect((await check('/api/check', { text: '你好' }, bearer(a.token))).status).toBe(429)
  }, 60_000)

  it("an address's spent allowance does not stop a key used from it", async () => {
    await startOfFreshWindow()
    const ip = nextAddress()
    const texts = Array.from({ length: 100 }, () => '你好')
    for (let i = 0; i < 6; i++)
      expect((await check('/api/check/batch', { texts }, {}, ip)).status).toBe(200)
    expect((await check('/api/check', { text: '你好' }, {}, ip)).status).toBe(429)
    const key = await madeKey(600)
    expect((await check('/api/check', { text: '你好' }, bearer(key.token), ip)).status).toBe(200)
  }, 60_000)

  it("a batch needing more than the key has left is refused whole, naming the key's limit", async () => {
    await startOfFreshWindow()
    const key = await madeKey(60)
    expect((await check('/api/check', { text: '你好' }, bearer(key.token))).status).toBe(200)
    const texts = Array.from({ length: 60 }, () => '你好')
    const refused = await check('/api/check/batch', { texts }, bearer(key.token))
    expect(refused.status).toBe(429)
    expect((await errorOf(refused)).message).toMatch(/60 texts.*this key/)
  }, 60_000)
})

describe('the console makes check keys', () => {
  it('the tokens page has a kind and a limit, and makes a working check key', async () => {
    const owner = await signedInBrowser()
    const page = await (await owner.get('/admin/tokens?lang=en')).text()
    expect(page).toMatch(/<select id="f-kind" name="kind"/)
    expect(page).toMatch(/<select id="f-rateLimit" name="rateLimit"/)
    const response = await owner.submit('/admin/tokens?lang=en', '/admin/tokens', {
      label: 'console check key',
      kind: 'check',
      access: 'read',
      rateLimit: '6000',
      unit: '',
    })
    expect(response.status).toBe(200)
    const shown = await response.text()
    const token = /data-copy[^>]*>(rlk_[A-Za-z0-9_-]{43})</.exec(shown)?.[1]
    expect(token).toBeTruthy()
    expect(shown).toContain('/api/check')
    const [row] = await rows<Record<string, unknown>>(
      "SELECT kind, rate_limit FROM api_tokens WHERE label = 'console check key'",
    )
    expect(row).toEqual({ kind: 'check', rate_limit: 6000 })
    expect((await check('/api/check', { text: '你好' }, bearer(token!))).status).toBe(200)
    const list = await (await owner.get('/admin/tokens?lang=en')).text()
    expect(list).toContain('check key')
    expect(list).toContain('6,000 / min')
  })

  it('a key made in the console may expire, and the list says when', async () => {
    const owner = await signedInBrowser()
    const page = await (await owner.get('/admin/tokens?lang=en')).text()
    expect(page).toMatch(/<select id="f-expiresInDays" name="expiresInDays"/)
    const before = Date.now()
    const response = await owner.submit('/admin/tokens?lang=en', '/admin/tokens', {
      label: 'expiring check key',
      kind: 'check',
      access: 'read',
      rateLimit: '600',
      expiresInDays: '90',
      unit: '',
    })
    expect(response.status).toBe(200)
    const token = /data-copy[^>]*>(rlk_[A-Za-z0-9_-]{43})</.exec(await response.text())?.[1]
    const [row] = await rows<{ expires_at: string }>(
      "SELECT expires_at FROM api_tokens WHERE label = 'expiring check key'",
    )
    const ahead = Date.parse(row!.expires_at) - before
    expect(ahead).toBeGreaterThanOrEqual(90 * 86_400_000 - 5_000)
    expect(ahead).toBeLessThanOrEqual(90 * 86_400_000 + 60_000)
    expect((await check('/api/check', { text: '你好' }, bearer(token!))).status).toBe(200)
    const list = await (await owner.get('/admin/tokens?lang=en')).text()
    expect(list).toMatch(/expires \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/)
  })

  it.each([
    ['a limit that is not a tier', 'rateLimit', { rateLimit: '123' }],
    ['an expiry the form does not offer', 'expiresInDays', { expiresInDays: '5000' }],
  ])('%s is marked on its field, and nothing is stored', async (label, field, odd) => {
    const owner = await signedInBrowser()
    const response = await owner.submit('/admin/tokens?lang=en', '/admin/tokens?lang=en', {
      label,
      kind: 'check',
      access: 'read',
      rateLimit: '600',
      unit: '',
      ...odd,
    })
    expect(response.status).toBe(422)
    expect(await response.text()).toContain(`id="f-${field}-error">`)
    expect(await rows('SELECT 1 FROM api_tokens WHERE label = ?', label)).toEqual([])
  })
})

describe('the OpenAPI document describes the check API for integrators', () => {
  let spec: any
  beforeAll(async () => {
    spec = await (
      await exports.default.fetch(new Request('http://localhost/api/openapi.json'))
    ).json()
  })
  const resolve = (schema: any) =>
    schema.$ref ? spec.components.schemas[schema.$ref.split('/').pop()] : schema

  it.each([['/api/check'], ['/api/check/batch']])(
    '%s: statuses, Retry-After, keys and CORS',
    (path) => {
      const post = spec.paths[path].post
      expect(Object.keys(post.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '413', '415', '429']),
      )
      expect(post.responses['429'].headers['Retry-After']).toBeDefined()
      expect(post.responses['200'].headers['Access-Control-Allow-Origin']).toBeDefined()
      for (const status of ['401', '413', '415', '429'])
        expect(post.responses[status].content['application/json'].schema.$ref).toMatch(/Error$/)
      expect(post.security).toEqual(
        expect.arrayContaining([{}, { checkKey: [] }, { checkApiKey: [] }]),
      )
      expect(post.description).toMatch(/CHECK_CORS_ORIGINS/)
      const options = spec.paths[path].options
      expect(options.responses['204'].headers).toHaveProperty('Access-Control-Allow-Methods')
      expect(options.responses['204'].headers).toHaveProperty('Access-Control-Max-Age')
    },
  )

  it('the key schemes: a bearer and the X-Api-Key header', () => {
    expect(spec.components.securitySchemes.checkKey).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    })
    expect(spec.components.securitySchemes.checkApiKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-Api-Key',
    })
  })

  it('a hit has its rule number, title and url; a result has truncated and totalHits', () => {
    const hit = spec.components.schemas.CheckHit
    expect(hit.required).toEqual(
      expect.arrayContaining(['rule', 'ruleNumber', 'ruleTitle', 'ruleUrl']),
    )
    const result = spec.components.schemas.CheckResult
    expect(Object.keys(result.properties)).toEqual(
      expect.arrayContaining(['verdict', 'hits', 'truncated', 'totalHits', 'notice']),
    )
    expect(resolve(spec.components.schemas.Error).properties.error.required).toEqual(
      expect.arrayContaining(['status', 'code', 'message']),
    )
  })

  it('making a key: kind and rateLimit', () => {
    const body = spec.components.schemas.NewApiToken
    expect(body.properties.kind.enum).toEqual(['admin', 'check'])
    expect(body.properties.rateLimit.description).toMatch(/60, 600, 6000, 60000/)
  })
})

describe('failed key lookups are charged to the address, apart from its texts', () => {
  const unknownKey = () => `rlk_${crypto.randomUUID().replaceAll('-', '')}`
  const spend = async (ip: string, texts: number) => {
    for (let left = texts; left > 0; left -= 100) {
      const batch = Array.from({ length: Math.min(100, left) }, () => '你好')
      expect((await check('/api/check/batch', { texts: batch }, {}, ip)).status).toBe(200)
    }
  }
  const guess = (ip: string, headers: Record<string, string> = bearer(unknownKey())) =>
    check('/api/check', { text: '你好' }, headers, ip)

  it("an address's own checks never lock out a valid key sent from it", async () => {
    await startOfFreshWindow()
    const ip = nextAddress()
    const key = await madeKey(600)
    await spend(ip, 600)
    expect((await check('/api/check', { text: '你好' }, {}, ip)).status).toBe(429)
    // A mistyped key from the spent address is a plain 401, and the valid key still works.
    const guessed = await guess(ip)
    expect(guessed.status).toBe(401)
    expect((await errorOf(guessed)).code).toBe('invalid_api_key')
    expect((await check('/api/check', { text: '你好' }, bearer(key.token), ip)).status).toBe(200)
  }, 60_000)

  it(`after ${KEY_GUESSES_PER_MINUTE} failed lookups in a minute, lookups from the address are refused till the minute ends`, async () => {
    await startOfFreshWindow()
    const ip = nextAddress()
    const key = await madeKey(600)
    for (let i = 0; i < KEY_GUESSES_PER_MINUTE; i++) expect((await guess(ip)).status).toBe(401)
    // The failed lookups spent none of the address's texts.
    expect((await check('/api/check', { text: '你好' }, {}, ip)).status).toBe(200)
    for (const headers of [bearer(unknownKey()), { 'X-Api-Key': unknownKey() }]) {
      const refused = await guess(ip, headers)
      expect(refused.status).toBe(429)
      const retryAfter = Number(refused.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThan(0)
      expect(retryAfter).toBeLessThanOrEqual(60)
      const error = await errorOf(refused)
      expect(error.code).toBe('rate_limited')
      expect(error.message).toMatch(/unknown, revoked or expired check keys from this address/)
    }
    // This isolate now refuses the address's key lookups without reading D1: the valid key too.
    expect((await check('/api/check', { text: '你好' }, bearer(key.token), ip)).status).toBe(429)
    // From another address the key works, and that address's guesses are still only 401.
    expect((await check('/api/check', { text: '你好' }, bearer(key.token))).status).toBe(200)
    expect((await guess(nextAddress())).status).toBe(401)
  }, 60_000)
})

describe('what the API refuses plainly', () => {
  it.each([
    ['/api/check', { text: '你好', versoin: 1 }, 'versoin'],
    ['/api/check', { text: '你好', lang: 'en' }, 'lang'],
    ['/api/check/batch', { texts: ['你好'], checks: 12 }, 'checks'],
  ])('%s: a field it does not define, %j, is a 400 that names it', async (path, body, field) => {
    const response = await check(path, body)
    expect(response.status).toBe(400)
    const error = await errorOf(response)
    expect(error.code).toBe('invalid_request')
    expect(error.message).toContain(`"${field}"`)
  })

  it.each([
    ['GET', '/api/check'],
    ['PUT', '/api/check'],
    ['DELETE', '/api/check/batch'],
    ['GET', '/api/check/batch'],
  ])('%s %s is 405 with Allow: POST', async (method, path) => {
    const response = await exports.default.fetch(
      new Request(`http://localhost${path}`, {
        method,
        headers: { 'cf-connecting-ip': nextAddress() },
      }),
    )
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST, OPTIONS')
    expect((await errorOf(response)).code).toBe('method_not_allowed')
  })
})

describe("a batch over the key's whole limit", () => {
  it('is refused 413 before any of it is counted', async () => {
    const key = await madeKey(60)
    const texts = Array.from({ length: 61 }, () => '你好')
    const refused = await check('/api/check/batch', { texts }, bearer(key.token))
    expect(refused.status).toBe(413)
    const error = await errorOf(refused)
    expect(error.code).toBe('batch_too_large')
    expect(error.message).toMatch(/this key may check 60 a minute: send at most 60 per request/)
    // Only the refused request itself was counted: 1 + 58 is within the key's 60 this minute.
    const batch = Array.from({ length: 58 }, () => '你好')
    expect((await check('/api/check/batch', { texts: batch }, bearer(key.token))).status).toBe(200)
  })
})

describe('check keys may expire', () => {
  it('a key made with expiresAt says when, and works until then', async () => {
    const at = new Date(Math.floor(Date.now() / 1000 + 30 * 86_400) * 1000)
    const response = await makeKey({ expiresAt: at.toISOString().replace('.000Z', 'Z') })
    expect(response.status).toBe(201)
    const key = (await response.json()) as { token: string; expiresAt: string }
    expect(key.expiresAt).toBe(at.toISOString())
    expect((await check('/api/check', { text: '你好' }, bearer(key.token))).status).toBe(200)
    expect(await (await makeKey({ expiresAt: null })).json()).toMatchObject({ expiresAt: null })
  })

  it.each([
    ['2027-06-30', 'invalid_expiry'], // a date without a time and zone
    ['2027-06-30T00:00:00', 'invalid_expiry'], // no zone
    ['2027-02-30T00:00:00Z', 'invalid_expiry'], // no such day
    ['30/06/2027', 'invalid_expiry'],
    ['2020-01-01T00:00:00Z', 'expiry_in_the_past'],
    ['2199-01-01T00:00:00+08:00', 'expiry_too_far'],
  ])('expiresAt %j is a 422 %s that says what it takes', async (expiresAt, code) => {
    const response = await makeKey({ expiresAt })
    expect(response.status).toBe(422)
    const error = await errorOf(response)
    expect(error.code).toBe(code)
    expect(error.message).toMatch(/^expiresAt: /)
  })

  it('expiresAt that is not a string is a 400', async () => {
    const response = await makeKey({ expiresAt: 20270630 })
    expect(response.status).toBe(400)
    expect((await errorOf(response)).message).toMatch(/^expiresAt: /)
  })

  it("a key's request with a field it does not define is a 400 that names it", async () => {
    const response = await makeKey({ expires: '2027-06-30T00:00:00Z' })
    expect(response.status).toBe(400)
    expect((await errorOf(response)).message).toContain('"expires"')
  })
})
