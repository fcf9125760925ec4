/** The whole flow through the Worker's fetch: admin API, the official's pages, receipts. */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { hmacKey } from '../src/acknowledgements/bytes'
import { canonicalReceipt, type SignedReceipt } from '../src/acknowledgements/receipt'
import { signLink } from '../src/acknowledgements/tokens'
import { checkReceiptFile } from '../src/acknowledgements/offline'
import worker from '../src/index'
import {
  acknowledge,
  admin,
  call,
  createLinks,
  importRoster,
  NOTICE,
  openForm,
  pathOf,
  post,
  rows,
} from './ack-helpers'

const ROSTER = `external_id,name,unit
A001,张三,广东省/广州市/公安局
A002,李四,广东省/广州市/公安局
A003,王五,广东省/广州市
A004,Zhang Wei,广东省/深圳市
A005,赵六,湖南省/长沙市
A007,陈七,广东省/深圳市
`

let links: Record<string, string>

beforeAll(async () => {
  expect((await importRoster(ROSTER)).status).toBe(200)
  const created = await createLinks({ dueDate: '2099-12-31' })
  links = Object.fromEntries(created.links.map((l) => [l.externalId, pathOf(l.url)]))
})

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { status: number; code: string; message: string } })
    .error
}

describe('admin API access', () => {
  it.each([
    ['GET', '/api/admin/status/wechat-red-lines/2', undefined],
    ['GET', '/api/admin/status/wechat-red-lines/2', 'Bearer wrong'],
    ['GET', '/api/admin/verify', `Basic ${btoa('admin:x')}`],
    ['POST', '/api/admin/roster', undefined],
    ['GET', '/api/admin/nothing-here', undefined],
  ])('%s %s with %s -> 401', async (method, path, authorization) => {
    const response = await call(path, {
      method,
      headers: {
        'Content-Type': 'text/csv',
        ...(authorization ? { Authorization: authorization } : {}),
      },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer/)
    expect(await errorOf(response)).toMatchObject({ status: 401, code: 'unauthorized' })
  })
})

describe('roster upload', () => {
  it('imports CSV and JSON, and says what changed', async () => {
    const csv = await importRoster(ROSTER)
    expect(await csv.json()).toMatchObject({ rows: 6, created: 0, unchanged: 6 })
    const json = await call('/api/admin/roster', {
      method: 'POST',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({
        officials: [{ externalId: 'A006', name: '钱七', unit: '湖南省/长沙市' }],
      }),
    })
    expect(json.status).toBe(200)
    expect(await json.json()).toMatchObject({ rows: 1, created: 1, mode: 'merge' })
  })

  it('422 lists every bad line, and nothing of the file is imported', async () => {
    const response = await importRoster(
      'external_id,name,unit\nN001,新人,广东省\nN002,,广东省\nN003,某人,a//b\n',
    )
    expect(response.status).toBe(422)
    const body = (await response.json()) as {
      error: { code: string; message: string; lines: unknown[] }
    }
    expect(body.error.code).toBe('roster_invalid')
    expect(body.error.message).toMatch(
      /^2 bad lines, nothing was imported: line 3: name is empty; line 4: unit "a\/\/b" has an empty level\.$/,
    )
    expect(body.error.lines).toEqual([
      { line: 3, message: 'name is empty' },
      { line: 4, message: 'unit "a//b" has an empty level' },
    ])
    expect(await rows("SELECT 1 FROM officials WHERE external_id = 'N001'")).toEqual([])
  })

  it('413 above the size limit, stating it', async () => {
    const response = await importRoster(`external_id,name,unit\n${'X,Y,Z\n'.repeat(900_000)}`)
    expect(response.status).toBe(413)
    expect((await errorOf(response)).message).toMatch(/limited to 5 MiB/)
  })

  it('415 for a body that is neither CSV nor JSON', async () => {
    const response = await call('/api/admin/roster', {
      method: 'POST',
      headers: admin({ 'Content-Type': 'application/xml' }),
      body: '<x/>',
    })
    expect(response.status).toBe(415)
  })
})

describe('links', () => {
  it('come back as CSV: official, unit, URL', async () => {
    const response = await call('/api/admin/links', {
      method: 'POST',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ notice: NOTICE, version: 2, unit: '广东省/广州市' }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toMatch(/^text\/csv/)
    expect(response.headers.get('X-Link-Count')).toBe('3')
    const lines = (await response.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    expect(lines[0]).toBe('external_id,name,unit,url')
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual([
      'A003,王五,广东省/广州市',
      'A001,张三,广东省/广州市/公安局',
      'A002,李四,广东省/广州市/公安局',
    ])
    expect(lines[1]).toMatch(/,http:\/\/localhost\/a\/\d+\.wechat-red-lines\.2\.\d+\.[\w-]{22}$/)
  })

  it.each([
    [{ notice: 'nope', version: 1 }, 404, 'notice_not_found'],
    [{ notice: NOTICE, version: 9 }, 404, 'version_not_found'],
    [{ notice: NOTICE, version: 1 }, 422, 'version_superseded'],
    [{ notice: NOTICE, version: 2, unit: '北京市' }, 422, 'no_officials'],
    [{ notice: NOTICE, version: 2, dueDate: '2026-02-30' }, 422, 'invalid_due_date'],
    [{ notice: NOTICE, version: 2, expiresInDays: 0 }, 422, 'invalid_expiry'],
    [{ notice: NOTICE, version: '2' }, 400, 'invalid_request'],
  ])('%j -> %i %s', async (body, status, code) => {
    const response = await call('/api/admin/links', {
      method: 'POST',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: JSON.stringify(body),
    })
    expect(response.status).toBe(status)
    expect((await errorOf(response)).code).toBe(code)
  })
})

describe('an official acknowledges', () => {
  it('sees the full text of the version and a form with the statement, without script', async () => {
    const form = await openForm(links.A001!, 'zh')
    expect(form.page).toMatch(/<section class="rule"/)
    expect(form.page.match(/<section class="rule"/g)).toHaveLength(8)
    expect(form.page).toContain('本人已阅读《')
    expect(form.page).toContain('第 2 版全文，承诺遵守。')
    expect(form.page).not.toMatch(/<script/i)
    expect(form.page).toContain('<meta name="robots" content="noindex,nofollow">')
    expect(form.csrf).toMatch(/^[\w-]{22}$/)
    const response = await call(`${links.A001}?lang=en`)
    expect(response.headers.get('Cache-Control')).toBe('no-store')
    expect(await response.text()).toContain('version 2, in full and will abide by it.')
  })

  it.each([
    ['no statement ticked', { statement: '' }, 'statement_missing', '请勾选确认声明'],
    ['no name', { name: ' ' }, 'name_missing', '请输入您的姓名'],
    ['another name', { name: '李四' }, 'name_mismatch', '不一致'],
  ])('422 with the reason for %s, nothing recorded', async (_, change, code, text) => {
    const form = await openForm(links.A001!)
    const response = await post(links.A001!, {
      csrf: form.csrf,
      lang: 'zh',
      text: form.text,
      statement: 'agree',
      name: '张三',
      ...change,
    })
    expect(response.status).toBe(422)
    const page = await response.text()
    expect(page).toContain(text)
    expect(page).toContain('name="csrf"')
    expect(await rows("SELECT 1 FROM acknowledgements WHERE external_id = 'A001'")).toEqual([])
    // The tick survives a mistake in the name; the reason code is on the form's error.
    expect(/value="agree"\s+required\s+checked/.test(page)).toBe(code !== 'statement_missing')
  })

  it('the typed name may differ in spaces, width and case', async () => {
    const response = await acknowledge(links.A004!, 'ＺＨＡＮＧ  wei', 'en')
    expect(response.status).toBe(303)
  })

  it('gets a signed receipt; the same link shows the same receipt again', async () => {
    const response = await acknowledge(links.A001!, '张 三')
    expect(response.status).toBe(303)
    expect(response.headers.get('Location')).toBe(`${links.A001}?lang=zh#receipt-top`)
    const first = await (await call(`${links.A001}?lang=zh`)).text()
    expect(first).toContain('确认回执')
    expect(first).toContain('张三')
    const again = await (await call(`${links.A001}?lang=zh`)).text()
    const receiptId = /回执编号<\/th>\s*<td><span class="hash">([^<]+)</.exec(first)?.[1]
    expect(receiptId).toMatch(/^[0-9a-f-]{36}$/)
    expect(again).toContain(receiptId)

    // Submitting again (say, the browser's back button) leads to the same receipt, no new record.
    const form = await openForm(links.A001!)
    expect(form.csrf).toBe('')
    const second = await post(links.A001!, { statement: 'agree', name: '张三' })
    expect(second.status).toBe(303)
    expect(second.headers.get('X-Receipt-Id')).toBe(receiptId)
    const stored = await rows<{ receipt_id: string }>(
      "SELECT receipt_id FROM acknowledgements WHERE external_id = 'A001'",
    )
    expect(stored).toEqual([{ receipt_id: receiptId }])
  })

  it('a receipt downloads as JSON that verifies offline against the published key only', async () => {
    const download = await call(`${links.A001}/receipt.json`)
    expect(download.status).toBe(200)
    expect(download.headers.get('Content-Disposition')).toMatch(/^attachment; filename="receipt-/)
    const signed = (await download.json()) as SignedReceipt
    const jwks = (await (await call('/.well-known/redlines-receipt-keys.json')).json()) as {
      keys: JsonWebKey[]
    }
    expect(await call('/api/keys/receipt').then((r) => r.json())).toEqual(jwks.keys[0])
    expect(signed.receipt).toMatchObject({
      official: {
        externalId: 'A001',
        name: '张三',
        unit: '广东省/广州市/公安局',
        typedName: '张 三',
      },
      notice: { id: NOTICE, version: 2, lang: 'zh' },
      statement: expect.stringMatching(/第 2 版全文，承诺遵守。$/),
    })
    expect(signed.receipt.requestId).toBeTruthy()
    expect(signed.receipt.client.userAgent).toBe('')
    expect(await checkReceiptFile(signed, jwks)).toMatchObject({ valid: true })

    const tampered = structuredClone(signed)
    tampered.receipt.official.name = '李四'
    expect(await checkReceiptFile(tampered, jwks)).toMatchObject({ valid: false })
    const otherKey = structuredClone(jwks)
    otherKey.keys[0]!.x = signed.publicKey!.x.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))
    expect(await checkReceiptFile(signed, otherKey)).toMatchObject({ valid: false })
    expect(canonicalReceipt(signed.receipt)).not.toContain('\n')
  })
})

describe('links that cannot be used', () => {
  const linkKey = () => hmacKey(env.LINK_SECRET)
  const future = Math.floor(Date.now() / 1000) + 86_400

  it.each([
    ['a garbled link', () => Promise.resolve('/a/12.wechat-red-lines.2'), 401, '此确认链接无效'],
    [
      'a forged link',
      async () => links.A002!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      401,
      '此确认链接无效',
    ],
    [
      'an expired link',
      async () =>
        `/a/${await signLink(await linkKey(), { officialId: 2, notice: NOTICE, version: 2, expiresAt: 1_600_000_000 })}`,
      403,
      '已过期',
    ],
    [
      'a link to a superseded version',
      async () =>
        `/a/${await signLink(await linkKey(), { officialId: 2, notice: NOTICE, version: 1, expiresAt: future })}`,
      403,
      '已被新版本取代',
    ],
  ])('%s: 401/403 with an explanation page', async (_, path, status, text) => {
    const target = await path()
    const page = await call(target)
    expect(page.status).toBe(status)
    expect(page.headers.get('Content-Type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain(text)
    const posted = await post(target, { csrf: 'x', statement: 'agree', name: '李四' })
    expect(posted.status).toBe(status)
  })

  it.each([
    ['an unknown notice', { officialId: 2, notice: 'gone', version: 1 }],
    ['an unknown version', { officialId: 2, notice: NOTICE, version: 7 }],
    ['an unknown official', { officialId: 999_999, notice: NOTICE, version: 2 }],
  ])('a genuine link to %s: 404', async (_, claims) => {
    const token = await signLink(await linkKey(), { ...claims, expiresAt: future })
    expect((await call(`/a/${token}`)).status).toBe(404)
  })

  it('a form posted without its token, or from another site: 403, nothing recorded', async () => {
    const form = await openForm(links.A002!)
    const fields = { lang: 'zh', text: form.text, statement: 'agree', name: '李四' }
    expect((await post(links.A002!, { ...fields, csrf: 'A'.repeat(22) })).status).toBe(403)
    const foreign: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { 'Sec-Fetch-Site': 'cross-site' },
    ]
    for (const headers of foreign)
      expect((await post(links.A002!, { ...fields, csrf: form.csrf }, headers)).status).toBe(403)
    const wrongText = await post(links.A002!, { ...fields, csrf: form.csrf, text: 'f'.repeat(64) })
    expect(wrongText.status).toBe(403)
    expect(await wrongText.text()).toContain('不是此链接对应的版本')
    expect(await rows("SELECT 1 FROM acknowledgements WHERE external_id = 'A002'")).toEqual([])
  })

  it('a form posted with Origin: null (Chromium, on no-referrer pages) works with its token', async () => {
    const form = await openForm(links.A007!)
    const fields = {
      csrf: form.csrf,
      lang: 'zh',
      text: form.text,
      statement: 'agree',
      name: '陈七',
    }
    const headers = { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' }
    expect((await post(links.A007!, fields, headers)).status).toBe(303)
  })

  it('a form posted with no Origin header (some in-app browsers) still works with its token', async () => {
    const form = await openForm(links.A002!)
    const response = await call(links.A002!, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf: form.csrf,
        lang: 'zh',
        text: form.text,
        statement: 'agree',
        name: '李四',
      }).toString(),
    })
    expect(response.status).toBe(303)
  })

  it('413 for an oversized form post', async () => {
    const response = await post(links.A003!, { name: 'x'.repeat(20_000) })
    expect(response.status).toBe(413)
  })
})

describe('a D1 failure while a link is used', () => {
  it('answers 503 with Retry-After, on the page and on the post, and records nothing', async () => {
    const form = await openForm(links.A005!)
    // The table the link's lookup reads is gone for a moment: every query on it fails.
    await env.DB.exec('ALTER TABLE acknowledgements RENAME TO acknowledgements_away')
    let page: Response
    let posted: Response
    try {
      page = await call(links.A005!)
      posted = await post(links.A005!, {
        csrf: form.csrf,
        lang: 'zh',
        text: form.text,
        statement: 'agree',
        name: '赵六',
      })
    } finally {
      await env.DB.exec('ALTER TABLE acknowledgements_away RENAME TO acknowledgements')
    }
    for (const response of [page, posted]) {
      expect(response.status).toBe(503)
      expect(response.headers.get('Retry-After')).toBe('5')
      expect(await response.text()).toContain('本次未保存任何内容')
    }
    expect(await rows("SELECT 1 FROM acknowledgements WHERE external_id = 'A005'")).toEqual([])
  })
})

describe('a D1 failure on an admin read', () => {
  it('answers 503 with Retry-After in the error shape, not 500', async () => {
    // Status reads the live counters (roster_counts), not the officials.
    await env.DB.exec('ALTER TABLE roster_counts RENAME TO roster_counts_away')
    let response: Response
    try {
      response = await call(`/api/admin/status/${NOTICE}/2`, { headers: admin() })
    } finally {
      await env.DB.exec('ALTER TABLE roster_counts_away RENAME TO roster_counts')
    }
    expect(response.status).toBe(503)
    expect(response.headers.get('Retry-After')).toBe('5')
    expect(await response.json()).toEqual({
      error: { status: 503, code: 'storage_unavailable', message: expect.any(String) },
    })
  })
})

describe('50 simultaneous submissions of one link', () => {
  it('produce exactly one record, and every submitter sees that record', async () => {
    const form = await openForm(links.A003!)
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        post(links.A003!, {
          csrf: form.csrf,
          lang: 'zh',
          text: form.text,
          statement: 'agree',
          name: '王五',
        }),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(303))
    const receiptIds = new Set(responses.map((r) => r.headers.get('X-Receipt-Id')))
    expect(receiptIds.size).toBe(1)
    const stored = await rows<{ receipt_id: string }>(
      "SELECT receipt_id FROM acknowledgements WHERE external_id = 'A003'",
    )
    expect(stored).toHaveLength(1)
    expect(receiptIds.has(stored[0]!.receipt_id)).toBe(true)
    const seqs = await rows<{ seq: number }>('SELECT seq FROM acknowledgements ORDER BY seq')
    expect(seqs.map((r) => r.seq)).toEqual(seqs.map((_, i) => i + 1))
  })
})

describe('what administrators see', () => {
  it('status by unit with nested totals, as JSON and CSV', async () => {
    const response = await call('/api/admin/status/wechat-red-lines/2', { headers: admin() })
    expect(response.status).toBe(200)
    const status = (await response.json()) as {
      totals: Record<string, number | string | null>
      units: { unit: string; roster: number; acknowledged: number; outstanding: number }[]
    }
    // A001-A004 and A007 acknowledged; A005 and A006 (长沙) have not.
    expect(status.totals).toMatchObject({
      roster: 7,
      acknowledged: 5,
      outstanding: 2,
      overdue: 0,
      dueDate: '2099-12-31',
    })
    expect(status.units.map((u) => `${u.unit}:${u.roster}/${u.acknowledged}`)).toEqual([
      '广东省:5/5',
      '广东省/广州市:3/3',
      '广东省/广州市/公安局:2/2',
      '广东省/深圳市:2/2',
      '湖南省:2/0',
      '湖南省/长沙市:2/0',
    ])
    const overdue = await call('/api/admin/status/wechat-red-lines/2?due=2020-01-01&format=csv', {
      headers: admin(),
    })
    expect(overdue.headers.get('Content-Type')).toMatch(/^text\/csv/)
    const csv = (await overdue.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    expect(csv[0]).toBe('unit,depth,roster,acknowledged,outstanding,overdue,due_date')
    expect(csv[1]).toBe('(all),0,7,5,2,2,2020-01-01')
    expect(csv).toContain('湖南省/长沙市,2,2,0,2,2,2020-01-01')
  })

  it('version 1 acknowledgements do not count for version 2 (it changed a rule materially)', async () => {
    const v1 = await call('/api/admin/status/wechat-red-lines/1', { headers: admin() })
    expect(await v1.json()).toMatchObject({
      counts: { from: 1, to: 1 },
      totals: { acknowledged: 0 },
    })
  })

  it('the outstanding list pages as JSON and streams as CSV', async () => {
    const first = (await (
      await call('/api/admin/outstanding/wechat-red-lines/2?limit=1', { headers: admin() })
    ).json()) as {
      officials: { externalId: string }[]
      next: string
    }
    expect(first.officials.map((o) => o.externalId)).toEqual(['A005'])
    const second = (await (
      await call(`/api/admin/outstanding/wechat-red-lines/2?limit=1&after=${first.next}`, {
        headers: admin(),
      })
    ).json()) as {
      officials: { externalId: string }[]
      next: string | null
    }
    expect(second.officials.map((o) => o.externalId)).toEqual(['A006'])
    const csv = await (
      await call('/api/admin/outstanding/wechat-red-lines/2?format=csv', { headers: admin() })
    ).text()
    expect(
      csv
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n'),
    ).toEqual([
      'external_id,name,unit,due_date,overdue',
      'A005,赵六,湖南省/长沙市,2099-12-31,false',
      'A006,钱七,湖南省/长沙市,2099-12-31,false',
    ])
    expect(
      (await call('/api/admin/outstanding/wechat-red-lines/2?after=garbage', { headers: admin() }))
        .status,
    ).toBe(400)
  })

  it('the records as JSON pages and as CSV, with hashes and signatures', async () => {
    const page = (await (
      await call('/api/admin/acknowledgements?notice=wechat-red-lines&version=2&limit=2', {
        headers: admin(),
      })
    ).json()) as {
      records: { seq: number; receipt: { official: { externalId: string } }; signature: string }[]
      next: number
    }
    expect(page.records.map((r) => r.seq)).toEqual([1, 2])
    expect(page.next).toBe(2)
    const csv = (
      await (await call('/api/admin/acknowledgements?format=csv', { headers: admin() })).text()
    )
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    expect(csv[0]).toMatch(/^seq,receipt_id,external_id,name,unit,typed_name,notice,version,/)
    expect(csv).toHaveLength(1 + 5)
  })

  it.each([
    ['/api/admin/outstanding/gone/2?format=csv', 404, 'notice_not_found'],
    ['/api/admin/outstanding/wechat-red-lines/7?format=csv', 404, 'version_not_found'],
    ['/api/admin/outstanding/wechat-red-lines/2?format=csv&due=soon', 400, 'invalid_due_date'],
    ['/api/admin/outstanding/wechat-red-lines/2?format=csv&unit=a//b', 400, 'invalid_unit'],
    ['/api/admin/acknowledgements?format=csv&notice=gone', 404, 'notice_not_found'],
    [
      '/api/admin/acknowledgements?format=csv&notice=wechat-red-lines&version=7',
      404,
      'version_not_found',
    ],
  ])('a CSV export of %s is refused before it starts: %i', async (path, status, code) => {
    const response = await call(path, { headers: admin() })
    expect(response.status).toBe(status)
    expect(response.headers.get('Content-Type')).toMatch(/^application\/json/)
    expect(await errorOf(response)).toMatchObject({ status, code })
  })

  it('the OpenAPI document lists the admin and key routes', async () => {
    const spec = (await (await call('/api/openapi.json')).json()) as {
      paths: Record<string, unknown>
      components: { securitySchemes: Record<string, unknown> }
    }
    for (const path of [
      '/api/admin/roster',
      '/api/admin/links',
      '/api/admin/status/{notice}/{version}',
      '/api/admin/outstanding/{notice}/{version}',
      '/api/admin/acknowledgements',
      '/api/admin/verify',
      '/api/admin/checkpoints',
      '/api/keys/receipt',
      '/.well-known/redlines-receipt-keys.json',
    ])
      expect(spec.paths).toHaveProperty([path])
    expect(spec.components.securitySchemes).toHaveProperty('adminToken')
  })

  it('the OpenAPI document lists the errors every admin route can answer', async () => {
    const spec = (await (await call('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
    }
    const admin = Object.entries(spec.paths).filter(([path]) => path.startsWith('/api/admin/'))
    const missing: string[] = []
    for (const [path, methods] of admin)
      for (const [method, operation] of Object.entries(methods)) {
        // Every admin route checks the token (401) and needs the secrets and D1 (503).
        const expected = ['401', '503']
        // The uploads have a size limit.
        if (method === 'post' && /roster|links/.test(path)) expected.push('413')
        for (const status of expected)
          if (!(status in operation.responses)) missing.push(`${method} ${path} ${status}`)
      }
    expect(admin.length).toBeGreaterThanOrEqual(7)
    expect(missing).toEqual([])
  })
})

describe('a roster name with bidirectional controls', () => {
  it('is stored without them: receipts, pages and every CSV show the plain name', async () => {
    const bidi = /[\u202A-\u202E\u2066-\u2069\u200B\u200E\u200F]/
    expect(
      (
        await importRoster(
          'external_id,name,unit\nBIDI1,\u202Eevil\u202C名,双向省/\u2066双向市\u2069\n',
        )
      ).status,
    ).toBe(200)
    expect(await rows("SELECT name, unit FROM officials WHERE external_id = 'BIDI1'")).toEqual([
      { name: 'evil名', unit: '双向省/双向市' },
    ])
    const linksCsv = await call('/api/admin/links', {
      method: 'POST',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ notice: NOTICE, version: 2, unit: '双向省' }),
    })
    const linkCsv = await linksCsv.text()
    expect(linkCsv).not.toMatch(bidi)
    const path = pathOf(/(http:\/\/localhost\/a\/[^\r\n]+)/.exec(linkCsv)![1]!)
    // The official types the name with a stray control of their own: it is not kept either.
    expect((await acknowledge(path, '\u202Eevil名\u200B')).status).toBe(303)
    const page = await (await call(path)).text()
    expect(page).toContain('evil名')
    expect(page).not.toMatch(bidi)
    const receipt = await (await call(`${path}/receipt.json`)).text()
    expect(receipt).toContain('"typedName": "evil名"')
    expect(receipt).not.toMatch(bidi)
    for (const csvPath of [
      '/api/admin/acknowledgements?format=csv',
      `/api/admin/outstanding/${NOTICE}/2?format=csv`,
      `/api/admin/status/${NOTICE}/2?format=csv`,
    ]) {
      const csv = await (await call(csvPath, { headers: admin() })).text()
      expect(csv).not.toMatch(bidi)
    }
  })
})

describe('a secret missing or unusable', () => {
  async function fetchWith(changes: Partial<Env>, path: string, init: RequestInit = {}) {
    const ctx = createExecutionContext()
    const response = await worker.fetch(
      new Request(`http://localhost${path}`, { redirect: 'manual', ...init }),
      { ...env, ...changes },
      ctx,
    )
    await waitOnExecutionContext(ctx)
    return response
  }
  const operatorText = /LINK_SECRET|RECEIPT_PRIVATE_KEY|setup:local|wrangler|secret|configured/i

  it.each([
    ['missing', { LINK_SECRET: '' }, 'LINK_SECRET'],
    ['not a key', { RECEIPT_PRIVATE_KEY: '{"kty":"OKP"}' }, 'RECEIPT_PRIVATE_KEY'],
  ])(
    'a secret %s: an official sees a plain message in their language; the name of the secret goes to the log and to admin answers',
    async (_, changes, secret) => {
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
      try {
        const zh = await fetchWith(changes, `${links.A005}?lang=zh`)
        expect(zh.status).toBe(503)
        expect(zh.headers.get('Content-Type')).toMatch(/^text\/html/)
        const zhPage = await zh.text()
        expect(zhPage).toContain('确认功能暂时无法使用')
        expect(zhPage).not.toMatch(operatorText)
        expect(zhPage).not.toMatch(/Acknowledgements/)

        const en = await fetchWith(changes, `${links.A005}?lang=en`)
        const enPage = await en.text()
        expect(en.status).toBe(503)
        expect(enPage).toContain('Acknowledgements are unavailable at the moment')
        expect(enPage).not.toMatch(operatorText)

        const posted = await fetchWith(changes, links.A005!, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'statement=agree&name=x',
        })
        expect(posted.status).toBe(503)
        expect(await posted.text()).not.toMatch(operatorText)
        const receipt = await fetchWith(changes, `${links.A005}/receipt.json?lang=zh`)
        expect(receipt.status).toBe(503)
        expect(await receipt.text()).not.toMatch(operatorText)

        const logged = errors.mock.calls.map((call) => call.join(' ')).join('\n')
        expect(logged).toContain(secret)
        expect(logged).toMatch(/setup:local/)

        const api = await fetchWith(changes, `/api/admin/status/${NOTICE}/2`, { headers: admin() })
        expect(api.status).toBe(503)
        expect(await errorOf(api)).toMatchObject({
          code: 'not_configured',
          message: expect.stringContaining(secret),
        })
      } finally {
        errors.mockRestore()
      }
    },
  )
})

describe('links for a version some officials already acknowledged', () => {
  it('go by default only to those who do not count as having acknowledged it yet', async () => {
    const make = (body: Record<string, unknown>) =>
      call('/api/admin/links?format=json', {
        method: 'POST',
        headers: admin({ 'Content-Type': 'application/json' }),
        body: JSON.stringify({ notice: NOTICE, version: 2, ...body }),
      })
    const outstanding = (await (await make({})).json()) as { links: { externalId: string }[] }
    expect(outstanding.links.map((l) => l.externalId)).toEqual(['A005', 'A006'])
    const guangdong = await make({ unit: '广东省' })
    expect(guangdong.status).toBe(422)
    expect(await errorOf(guangdong)).toMatchObject({
      code: 'none_outstanding',
      message: expect.stringContaining('"officials": "all"'),
    })
    const all = (await (await make({ unit: '广东省', officials: 'all' })).json()) as {
      links: { externalId: string }[]
    }
    expect(all.links.map((l) => l.externalId).sort()).toEqual([
      'A001',
      'A002',
      'A003',
      'A004',
      'A007',
    ])
  })
})
