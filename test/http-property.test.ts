// Random requests against every route in the app's own route table, through the Worker's fetch:
// whatever the method, path, content type, body and headers, the answer is never a 5xx, and an
// /api/* error is always the one error shape (an HTML page outside /api).
import { env } from 'cloudflare:test'
import { exports } from 'cloudflare:workers'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app'
import { createLinks, importRoster, pathOf } from './ack-helpers'

const routes = createApp()
  .routes.filter((r) => r.method !== 'ALL')
  .map((r) => ({ method: r.method, path: r.path }))
const templates = [...new Set(routes.map((r) => r.path))]

let link = ''
beforeAll(async () => {
  expect((await importRoster('external_id,name,unit\nHP-1,陈静,测试局/随机\n')).status).toBe(200)
  const { links } = await createLinks({ unit: '测试局/随机' })
  link = pathOf(links[0]!.url).slice('/a/'.length)
})

/** Text that breaks naive handling: escapes, lone surrogates, control characters, CJK. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('%', '%zz', '%00', '%E0%A4%A', '..', '/', '?', '#', '\u0000', '\ud800', '红包'),
    fc.string({ maxLength: 3 }),
  ),
  maxLength: 6,
})

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

const paramValue = (name: string) =>
  fc.oneof(
    fc.constantFrom(
      ...({
        id: ['wechat-red-lines', 'nope'],
        n: ['1', '2', '0', '99', '-1', '1e3', '２'],
        range: ['1...2', '2...1', '1..2', '1...99', '...'],
        ruleId: ['red-envelopes', 'vote-rigging', 'nope'],
        notice: ['wechat-red-lines', 'nope'],
        version: ['1', '2', 'x'],
      }[name] ?? ['x']),
    ),
    fc.constant(`\0link:${name}`),
    nasty.map((s) => encodeURIComponent(s.replace(LONE_SURROGATE, '\ufffd'))),
    nasty.filter((s) => !/[/?#]/.test(s)),
  )

/** A path: a route template with its parameters filled in, or one made up. */
const path = fc
  .oneof(
    { weight: 9, arbitrary: fc.constantFrom(...templates) },
    { weight: 1, arbitrary: nasty.map((s) => `/${s.replace(/[?#]/g, '')}`) },
  )
  .chain((template) => {
    const names = [...template.matchAll(/:(\w+)/g)].map((m) => m[1]!)
    return fc.tuple(...names.map(paramValue)).map((values) => {
      let filled = template
      names.forEach((name, i) => {
        const value = values[i] === `\0link:${name}` ? link : (values[i] as string)
        filled = filled.replace(`:${name}`, value)
      })
      return filled
    })
  })

const query = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'lang',
          'format',
          'unit',
          'due',
          'mode',
          'cursor',
          'notice',
          'version',
          'x',
        ),
        fc.oneof(fc.constantFrom('zh', 'en', 'csv', 'json', 'full', '2', ''), nasty),
      ),
      { maxLength: 3 },
    )
    .map((pairs) => `?${new URLSearchParams(pairs).toString()}`),
)

const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=utf-16',
    'multipart/form-data',
    'multipart/form-data; boundary=b',
    'text/csv',
    'text/plain',
    'application/xml',
    'a/b;;;=',
    '',
  ),
  { nil: undefined },
)

const body = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 2 }),
  fc
    .record({
      text: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('红包收到了'), fc.integer()),
      texts: fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.constant('红包')), {
        maxLength: 5,
      }),
      notice: fc.constantFrom('wechat-red-lines', 'x'),
      version: fc.oneof(fc.constant(2), fc.string({ maxLength: 2 })),
    })
    .map((r) => JSON.stringify(r)),
  fc
    .dictionary(fc.constantFrom('text', 'csrf', 'name', 'statement', 'lang'), nasty)
    .map((d) => new URLSearchParams(d).toString()),
  fc.constantFrom(
    '--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\n--b--\r\n',
    '--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi',
    'external_id,name,unit\nHP-2,王芳,测试局/随机\n',
    'external_id,name\n,\n',
  ),
  nasty,
)

const headers = fc.record(
  {
    origin: fc.constantFrom('http://localhost', 'https://evil.example', 'null', ''),
    'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none', 'bogus'),
    'accept-language': fc.constantFrom('en', 'zh-CN', 'fr', '*', ';;q=x'),
    authorization: fc.constantFrom('ADMIN', 'Bearer nope', 'Basic x', 'Bearer'),
    'cf-connecting-ip': fc.constantFrom('198.51.100.9', '2001:db8::1', '::ffff:1.2.3.4', 'junk'),
    'if-none-match': fc.constantFrom('*', '"x"', 'W/"y"'),
    'x-request-id': fc.constantFrom('abc', 'x'.repeat(300), '<b>"'),
  },
  { requiredKeys: [] },
)

const request = fc.record({
  method: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...new Set(routes.map((r) => r.method))) },
    { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
  ),
  path,
  query,
  contentType,
  body,
  headers,
})

type Sample = typeof request extends fc.Arbitrary<infer T> ? T : never

async function send(sample: Sample): Promise<Response> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(sample.headers))
    headers.set(name, value === 'ADMIN' ? `Bearer ${env.ADMIN_TOKEN}` : value)
  if (sample.contentType !== undefined) headers.set('content-type', sample.contentType)
  const hasBody = sample.body !== undefined && !['GET', 'HEAD'].includes(sample.method)
  return exports.default.fetch(
    new Request(`http://localhost${sample.path}${sample.query}`, {
      method: sample.method,
      headers,
      body: hasBody ? sample.body : undefined,
      redirect: 'manual',
    }),
  )
}

describe('any request to any route', () => {
  it('is answered without a 5xx, and with the one error shape', async () => {
    expect(templates.length).toBeGreaterThan(15)
    await fc.assert(
      fc.asyncProperty(request, async (sample) => {
        const response = await send(sample)
        const where = `${sample.method} ${sample.path}${sample.query}`
        expect(response.status, where).toBeLessThan(500)
        if (response.status < 400 || sample.method === 'HEAD') return
        const type = response.headers.get('content-type') ?? ''
        if (new URL(`http://localhost${sample.path}`).pathname.startsWith('/api/')) {
          expect(type, where).toMatch(/^application\/json/)
          const answer = (await response.json()) as { error: Record<string, unknown> }
          expect(Object.keys(answer), where).toEqual(['error'])
          // The one shape; a roster refusal also lists its bad lines (`lines`), the only detail.
          const { lines, ...shape } = answer.error
          expect(shape, where).toEqual({
            status: response.status,
            code: expect.stringMatching(/^[a-z_]+$/),
            message: expect.stringMatching(/\S/),
          })
          if (lines !== undefined) {
            expect(answer.error.code, where).toBe('roster_invalid')
            expect(Array.isArray(lines), where).toBe(true)
          }
        } else {
          // An error page, or a personal link's own page explaining the problem.
          expect(type, where).toMatch(/^text\/html/)
          expect(await response.text(), where).toMatch(/^<!doctype html>[^]*<main>[^]*<\/html>$/)
        }
      }),
      // Bounded: 200 requests, or as many as fit in 6 s on a slow machine (npm test stays fast).
      { numRuns: 200, interruptAfterTimeLimit: 6_000 },
    )
  }, 30_000)
})
