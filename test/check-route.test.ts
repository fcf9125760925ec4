import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { checkMessage, type CheckResult } from '../src/check/engine'
import { KIND_CUE, KIND_TERM, PATTERN_STRIDE } from '../src/check/pack'
import { checkedNotices, rulePackFor } from '../src/check/packs'
import { archive } from './check-helpers'
import { reason } from '../src/check/reason'
import { ruleCitations } from '../src/content/cite'
import { currentVersion, findNotice } from '../src/content/catalog'
import { MAX_CHARS, MAX_HIT_BYTES } from '../src/routes/check'
import { startOfFreshWindow } from './rate-window'

// Each test uses its own client address, so the rate limiter's count is per test.
let client = 0
const nextAddress = () => `198.51.100.${++client}`

function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
  ip = nextAddress(),
) {
  return exports.default.fetch(
    new Request(`http://localhost${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip, ...headers },
      body,
    }),
  )
}
const postJson = (path: string, body: unknown, headers?: Record<string, string>) =>
  post(path, JSON.stringify(body), headers)

function postForm(text: string, lang = 'zh', origin = 'http://localhost') {
  return exports.default.fetch(
    new Request(`http://localhost/check?lang=${lang}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin,
        'cf-connecting-ip': nextAddress(),
      },
      body: new URLSearchParams({ text }).toString(),
    }),
  )
}

const notice = findNotice('wechat-red-lines')!
const current = currentVersion(notice)!

describe('POST /api/check', () => {
  it('finds a disguised red envelope, with the span as sent', async () => {
    const text = '紅 包收到了，謝謝王總'
    const res = await postJson('/api/check', { text })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = (await res.json()) as any
    expect(body.verdict).toBe('block')
    expect(body.notice).toEqual({ id: notice.id, version: current.version, sha256: current.sha256 })
    expect(body.hits).toHaveLength(1)
    const [hit] = body.hits
    expect(hit).toMatchObject({
      rule: 'red-envelopes',
      match: '紅 包',
      term: '红包',
      channel: 'folded',
    })
    expect(text.slice(hit.start, hit.end)).toBe(hit.match)
  })

  it.each([['严禁收受红包'], ['明天上午十点开会'], ['Please do not accept red envelopes.']])(
    'passes %j',
    async (text) => {
      const body = (await (await postJson('/api/check', { text })).json()) as any
      expect(body).toMatchObject({ verdict: 'pass', hits: [] })
    },
  )

  it.each([
    ['zh', '「不得收受电子红包」'],
    ['en', 'Do not accept electronic red envelopes'],
  ])('gives reasons in the request language (%s)', async (lang, title) => {
    const body = (await (
      await postJson(`/api/check?lang=${lang}`, { text: '红包收到了' })
    ).json()) as any
    expect(body.hits[0].reason).toContain(title)
  })

  it('checks against an older version when asked', async () => {
    const text = '选举期间给村民发红包'
    const v1 = (await (await postJson('/api/check', { text, version: 1 })).json()) as any
    const v2 = (await (await postJson('/api/check', { text, version: 2 })).json()) as any
    expect(v1.notice).toMatchObject({ version: 1, sha256: notice.versions[0]!.sha256 })
    expect([v1.verdict, v2.verdict]).toEqual(['review', 'block'])
  })

  it.each([
    ['missing text', {}, 400, 'invalid_request'],
    ['text not a string', { text: 42 }, 400, 'invalid_request'],
    ['empty text', { text: '' }, 400, 'empty_text'],
    ['too long', { text: '好'.repeat(10_001) }, 413, 'text_too_long'],
    ['an unknown notice', { text: 'hi', notice: 'nope' }, 404, 'notice_not_found'],
    ['an unknown version', { text: 'hi', version: 99 }, 404, 'version_not_found'],
    ['a version that is not a number', { text: 'hi', version: 'two' }, 400, 'invalid_request'],
  ])('%s -> %i %s', async (_, body, status, code) => {
    const res = await postJson('/api/check', body)
    expect(res.status).toBe(status)
    expect(await res.json()).toMatchObject({ error: { status, code } })
  })

  it('says the limit when a text is too long', async () => {
    const res = await postJson('/api/check', { text: 'a'.repeat(12_345) })
    expect(((await res.json()) as any).error.message).toContain('10,000')
  })

  it('accepts exactly the limit', async () => {
    expect((await postJson('/api/check', { text: '好'.repeat(10_000) })).status).toBe(200)
  })

  it('rejects malformed JSON in the error shape', async () => {
    const res = await post('/api/check', '{"text": "红包', {})
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { status: 400 } })
  })

  it('rejects a body too large to read', async () => {
    const res = await post('/api/check', JSON.stringify({ text: 'x'.repeat(200_000) }))
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: { code: 'body_too_large' } })
  })

  /** POSTs to /api/check a body streamed chunk by chunk (no Content-Length); null ends it. */
  const postStreamed = (nextChunk: () => Uint8Array | null) =>
    exports.default.fetch(
      new Request('http://localhost/api/check', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': nextAddress() },
        body: new ReadableStream<Uint8Array>({
          pull(controller) {
            const chunk = nextChunk()
            if (chunk) controller.enqueue(chunk)
            else controller.close()
          },
        }),
      }),
    )

  it('rejects a streamed body that declares no length once it passes the limit', async () => {
    const chunk = new TextEncoder().encode(`{"text":"${'x'.repeat(64 * 1024)}`)
    let sent = 0
    const res = await postStreamed(() => (sent++ < 4 ? chunk : null))
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: { code: 'body_too_large' } })
  })

  it('reads a streamed body under the limit whole, in any chunks', async () => {
    const bytes = new TextEncoder().encode(
      JSON.stringify({ text: '王局，红包收到了，谢谢'.repeat(300) }),
    )
    let at = 0
    const res = await postStreamed(() => (at < bytes.length ? bytes.slice(at, (at += 1000)) : null))
    expect(res.status).toBe(200)
    expect(((await res.json()) as { hits: unknown[] }).hits.length).toBeGreaterThan(0)
  })

  it('stops reading a streamed body far over the limit, 1 MiB past it at most', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20)
    let pulled = 0
    const res = await postStreamed(() => (pulled++, chunk)) // it never ends
    expect(res.status).toBe(413)
    expect(pulled * chunk.length).toBeLessThanOrEqual(128 * 1024 + 1024 * 1024 + 4 * chunk.length)
  })

  it('limits checks per client, answering 429 with Retry-After and the limit', async () => {
    await startOfFreshWindow()
    const ip = nextAddress()
    const texts = Array.from({ length: 100 }, () => '你好')
    for (let i = 0; i < 6; i++)
      expect((await post('/api/check/batch', JSON.stringify({ texts }), {}, ip)).status).toBe(200)
    const limited = await post('/api/check', JSON.stringify({ text: '你好' }), {}, ip)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    const body = (await limited.json()) as any
    expect(body).toMatchObject({ error: { status: 429, code: 'rate_limited' } })
    expect(body.error.message).toContain('600')
    // Another client is not affected.
    expect((await postJson('/api/check', { text: '你好' })).status).toBe(200)
  }, 60_000)
})

describe('POST /api/check/batch', () => {
  it('returns one result per text, in order', async () => {
    // Words every check version answers the same way (a term that needs no context).
    const texts = ['贿选的事办好了', '明天开会', 'huixuan的名单']
    const res = await postJson('/api/check/batch', { texts })
    expect(res.status).toBe(200)
    const body = (await res.json()) as any
    expect(body.results.map((r: any) => r.verdict)).toEqual(['block', 'pass', 'review'])
    expect(body.notice.version).toBe(current.version)
  })

  it.each([
    ['over 100 texts', { texts: Array.from({ length: 101 }, () => 'hi') }, 413, 'batch_too_large'],
    ['no texts', { texts: [] }, 400, 'empty_batch'],
    ['an empty text', { texts: ['hi', ''] }, 400, 'empty_text'],
    ['a text too long', { texts: ['hi', 'x'.repeat(10_001)] }, 413, 'text_too_long'],
    ['texts not a list', { texts: 'hi' }, 400, 'invalid_request'],
  ])('%s -> %i %s', async (_, body, status, code) => {
    const res = await postJson('/api/check/batch', body)
    expect(res.status).toBe(status)
    expect(await res.json()).toMatchObject({ error: { status, code } })
  })

  it('counts every text against the rate limit, not the request', async () => {
    await startOfFreshWindow()
    const ip = nextAddress()
    const batch = (n: number) =>
      post(
        '/api/check/batch',
        JSON.stringify({ texts: Array.from({ length: n }, () => 'hi') }),
        {},
        ip,
      )
    for (let i = 0; i < 5; i++) expect((await batch(100)).status).toBe(200)
    expect((await batch(99)).status).toBe(200)
    const refused = await batch(2)
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as any).error.message).toMatch(/2 texts/)
  }, 60_000)

  it('answers a batch of dense texts with at most 100 hits each, in bounded size', async () => {
    const texts = Array.from({ length: 100 }, () => '贿选'.repeat(5000))
    const res = await postJson('/api/check/batch', { texts })
    expect(res.status).toBe(200)
    const answer = await res.text()
    const body = JSON.parse(answer)
    // The rules' 5,000 hits, and whatever the model channel adds (at most one per rule).
    const expected = denseTotal()
    expect(expected).toBeGreaterThanOrEqual(5000)
    expect(expected).toBeLessThanOrEqual(5000 + 8)
    for (const result of body.results) {
      expect(result).toMatchObject({ verdict: 'block', truncated: true, totalHits: expected })
      expect(result.hits).toHaveLength(100)
    }
    // The bound the API documents: at most 100 hits of at most MAX_HIT_BYTES each plus their
    // matches, quoting at most the text's length, per text.
    expect(new TextEncoder().encode(answer).length).toBeLessThan(
      100 * (100 * MAX_HIT_BYTES + 6 * 10_000),
    )
    // Each hit cites its rule (number, title, address): 3.4 MB here, 100 MB without the cap; a
    // hit of the model channel (c4 flags one here) quotes its sentence, at most the text itself
    // (30 KB in UTF-8), once per text.
    const modelQuotes = body.results.filter((r: CheckResult) =>
      r.hits.some((h) => h.channel === 'model'),
    ).length
    expect(new TextEncoder().encode(answer).length).toBeLessThan(
      3_500_000 + modelQuotes * 3 * 10_000,
    )
  })

  it('names the text at fault', async () => {
    const res = await postJson('/api/check/batch', { texts: ['hi', ''] })
    expect(((await res.json()) as any).error.message).toContain('texts.1')
  })
})

describe('the /check page', () => {
  it('is a form that works without JavaScript', async () => {
    const res = await exports.default.fetch(new Request('http://localhost/check?lang=zh'))
    expect(res.status).toBe(200)
    const body = await res.text()
    expect(body).not.toMatch(/<script/i)
    expect(body).toMatch(/<form method="post" action="\/check\?lang=zh">/)
    expect(body).toMatch(/<textarea[^>]+name="text"/)
  })

  it('marks and numbers each span in the message, and lists the findings with their rules', async () => {
    const res = await postForm('紅 包收到了，謝謝王總')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.text()
    // The message stays whole: only a number after the span, no rule names inside it.
    const shown = /<div class="checked">([\s\S]*?)<\/div>/.exec(body)![1]!
    expect(shown).toMatch(
      /<mark class="block"\s*>紅 包<sup class="n">1<\/sup><\/mark\s*>收到了，謝謝王總/,
    )
    expect(shown).not.toContain('<a ')
    const findings = /<ol class="findings">([\s\S]*?)<\/ol>/.exec(body)![1]!
    expect(findings).toContain('<li id="finding-1" class="finding block">')
    expect(findings).toMatch(/href="\/rules\/red-envelopes\?lang=zh"\s*>第 4 条 不得收受电子红包</)
    expect(body).not.toMatch(/<script/i)
  })

  it.each([
    ['紅 包收到了，謝謝王總', 'block', '请勿发送', '✕'],
    ['严禁收受红包', 'pass', '未发现问题', '✓'],
  ])('says %s is %s in words and a sign, not colour alone', async (text, verdict, words, sign) => {
    const body = await (await postForm(text)).text()
    expect(body).toMatch(
      new RegExp(
        `<div class="verdict ${verdict}" role="status">\\s*<p>\\s*<span class="sign" aria-hidden="true">${sign}</span>\\s*<strong>${words}</strong>`,
      ),
    )
  })

  it('names the version it checked against and links it by its SHA-256', async () => {
    const body = await (await postForm('紅 包收到了')).text()
    const current = findNotice('wechat-red-lines')!.versions.at(-1)!
    expect(body).toContain(
      `href="/notices/wechat-red-lines/versions/sha256:${current.sha256}?lang=zh"`,
    )
    expect(body).toContain(`》第 ${current.version} 版</a`)
  })

  it('says a prohibition passes', async () => {
    const body = await (await postForm('严禁收受红包')).text()
    expect(body).toContain('未发现问题')
    expect(body).not.toMatch(/<mark/)
  })

  it('escapes whatever is pasted', async () => {
    const body = await (await postForm('<img src=x onerror=alert(1)> 红包收到了', 'en')).text()
    expect(body).not.toContain('<img src=x')
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  it('lists the first 100 findings of a dense message and counts them all', async () => {
    const res = await postForm('贿选'.repeat(5000))
    expect(res.status).toBe(200)
    const body = await res.text()
    expect(body).toContain(`发现 ${denseTotal()} 处`)
    expect(body).toContain('列出前 100 处')
    expect(body.match(/<li id="finding-/g)).toHaveLength(100)
  })

  it.each([
    ['', 400],
    ['好'.repeat(10_001), 413],
  ])('shows an error page for %#', async (text, status) => {
    const res = await postForm(text)
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
  })

  it('refuses a cross-site form post', async () => {
    const res = await postForm('红包', 'zh', 'https://evil.example')
    expect(res.status).toBe(403)
  })
})

/** The newest pack of every version of every checked notice. */
const newestPacks = (
  await Promise.all(
    checkedNotices().flatMap((id) =>
      findNotice(id)!.versions.map(async (v) => {
        const pack = await rulePackFor(archive, id, v.version)
        return pack ? [{ pack, version: v }] : []
      }),
    ),
  )
).flat()
describe('the size of an answer', () => {
  const packs = newestPacks
  // An origin longer than any this Worker is likely to be served from.
  const origin = `https://${'redlines-'.repeat(4)}example.org`
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length
  const longest = (words: string[]) => words.reduce((a, b) => (bytes(b) > bytes(a) ? b : a), '')

  it.each(packs.map((p) => [`${p.pack.notice}@${p.pack.version}`, p] as const))(
    `%s: a hit, its match aside, stays under ${MAX_HIT_BYTES} bytes whatever its parts`,
    (_, { pack, version }) => {
      const labels = (kind: number) => {
        const out: string[] = []
        for (let at = 0; at < pack.patterns.length; at += PATTERN_STRIDE)
          if ((pack.patterns[at]! & 3) === kind) out.push(pack.label(pack.patterns[at + 5]!))
        return out
      }
      const term = longest(labels(KIND_TERM))
      const cue = longest(labels(KIND_CUE))
      for (const lang of ['zh', 'en'] as const) {
        const name = longest(pack.rules.map((r) => r.name[lang]))
        const note = longest(pack.notes.map((n) => n[lang]))
        const citations = [...ruleCitations(version, lang, origin).values()]
        const hit = {
          rule: longest(pack.rules.map((r) => r.id)),
          ruleNumber: Math.max(...citations.map((r) => r.ruleNumber)),
          ruleTitle: longest(citations.map((r) => r.ruleTitle)),
          ruleUrl: longest(citations.map((r) => r.ruleUrl)),
          start: MAX_CHARS,
          end: MAX_CHARS,
          match: '',
          term,
          channel: 'homophone',
          verdict: 'review',
          reason: reason(lang, { zh: name, en: name }, 'homophone', term, false, cue, {
            zh: note,
            en: note,
          }),
        }
        expect(bytes(hit) + 1).toBeLessThan(MAX_HIT_BYTES)
      }
    },
  )
})

describe('OpenAPI', () => {
  it('documents the check endpoints', async () => {
    const spec = (await (
      await exports.default.fetch(new Request('http://localhost/api/openapi.json'))
    ).json()) as any
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/check', '/api/check/batch']),
    )
    expect(Object.keys(spec.paths['/api/check'].post.responses)).toEqual(
      expect.arrayContaining(['200', '400', '413', '429']),
    )
  })
})

describe('no check answer is ever stored', () => {
  it.each([
    ['an answer', '/api/check', JSON.stringify({ text: '红包' }), {}, 200],
    ['a batch', '/api/check/batch', JSON.stringify({ texts: ['红包', '好'] }), {}, 200],
    ['an empty text', '/api/check', JSON.stringify({ text: '' }), {}, 400],
    ['broken JSON', '/api/check', '{"text":', {}, 400],
    ['another content type', '/api/check', 'text=x', { 'content-type': 'text/plain' }, 415],
    ['a text too long', '/api/check', JSON.stringify({ text: '好'.repeat(10_001) }), {}, 413],
  ])('%s (%s) -> %i, Cache-Control: no-store', async (_, path, body, headers, status) => {
    const response = await post(path, body, headers)
    expect(response.status).toBe(status)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
  })
})

/** Every finding of the dense text the newest check makes, as the engine counts them. */
const newest = (await rulePackFor(archive, 'wechat-red-lines', 2))!
function denseTotal(): number {
  const pack = newest
  const result = checkMessage(pack, '贿选'.repeat(5000), 'zh')
  return result.totalHits ?? result.hits.length
}
