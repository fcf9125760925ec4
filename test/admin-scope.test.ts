/**
 * Every /api/admin/* route takes API tokens and unit admins, and keeps them inside their subtree
 * and their access: tried here by crossing it. Each change leaves its audit entry.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { acknowledge, admin, call, NOTICE, pathOf, rows } from './ack-helpers'
import { accessJwt, addAdmin } from './console-helpers'

const ROSTER = `external_id,name,unit
S001,张广,广东省/广州市
S002,李广,广东省/广州市/公安局
S003,王深,广东省/深圳市
S004,赵深,广东省/深圳市/税务局
`

type Headers = Record<string, string>
const bearer = (token: string): Headers => ({ Authorization: `Bearer ${token}` })
const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { status: number; code: string; message: string } }).error

async function token(unit: string | null, access: 'read' | 'write') {
  const response = await call('/api/admin/tokens', {
    method: 'POST',
    headers: admin({ 'Content-Type': 'application/json' }),
    body: JSON.stringify({ unit, access, label: `${unit} ${access}` }),
  })
  expect(response.status).toBe(201)
  return bearer(((await response.json()) as { token: string }).token)
}

const roster = (headers: Headers, csv: string, query = '') =>
  call(`/api/admin/roster${query}`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'text/csv' },
    body: csv,
  })

const links = (headers: Headers, body: Record<string, unknown>) =>
  call('/api/admin/links?format=json', {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ notice: NOTICE, version: 2, officials: 'all', ...body }),
  })

const GZ = '广东省/广州市'
const SZ = '广东省/深圳市'
const q = (unit: string) => `unit=${encodeURIComponent(unit)}`

let gzRead: Headers
let gzWrite: Headers
let rootRead: Headers
let gzAdmin: () => Promise<Headers>

const auditCount = async (action: string) =>
  (await rows<{ n: number }>('SELECT count(*) AS n FROM audit_log WHERE action = ?', action))[0]!.n

beforeAll(async () => {
  expect((await roster(admin(), ROSTER)).status).toBe(200)
  gzRead = await token(GZ, 'read')
  gzWrite = await token(GZ, 'write')
  rootRead = await token(null, 'read')
  await addAdmin('scope-gz@example.org', 'unit_admin', GZ)
  gzAdmin = async () => ({
    'Cf-Access-Jwt-Assertion': await accessJwt({ email: 'scope-gz@example.org' }),
  })
  // One acknowledgement in each city, for the records.
  const made = (await (await links(admin(), { dueDate: '2099-12-31' })).json()) as {
    links: { externalId: string; url: string }[]
  }
  const path = (id: string) => pathOf(made.links.find((l) => l.externalId === id)!.url)
  expect((await acknowledge(path('S001'), '张广')).status).toBe(303)
  expect((await acknowledge(path('S003'), '王深')).status).toBe(303)
})

describe('roster upload', () => {
  it('a read token cannot upload: 403 read_only, nothing imported, nothing audited', async () => {
    const before = await auditCount('roster.import')
    const response = await roster(gzRead, 'external_id,name,unit\nS900,新人,广东省/广州市\n')
    expect(response.status).toBe(403)
    expect(await errorOf(response)).toMatchObject({ status: 403, code: 'read_only' })
    expect(await rows("SELECT 1 FROM officials WHERE external_id = 'S900'")).toEqual([])
    expect(await auditCount('roster.import')).toBe(before)
  })

  it('a write token for 广州 imports inside 广州, and the import is audited with its counts', async () => {
    const response = await roster(
      gzWrite,
      'external_id,name,unit\nS005,钱广,广东省/广州市/公安局\n',
    )
    expect(response.status).toBe(200)
    const summary = (await response.json()) as { importId: string; unit: string; created: number }
    expect(summary).toMatchObject({ unit: GZ, created: 1 })
    const [entry] = await rows<Record<string, string>>(
      "SELECT * FROM audit_log WHERE action = 'roster.import' AND target = ?",
      summary.importId,
    )
    expect(entry).toMatchObject({ actor_kind: 'api_token', unit: GZ })
    expect(JSON.parse(entry!.counts!)).toEqual({
      rows: 1,
      created: 1,
      updated: 0,
      reactivated: 0,
      deactivated: 0,
    })
  })

  it.each([
    ['a row for 深圳', 'external_id,name,unit\nS006,孙深,广东省/深圳市\n', ''],
    ['moving a 深圳 official into 广州', 'external_id,name,unit\nS003,王深,广东省/广州市\n', ''],
    ['an import for 深圳', 'external_id,name,unit\nS007,周深,广东省/深圳市\n', `?${q(SZ)}`],
    [
      'an import for the whole province',
      'external_id,name,unit\nS008,吴粤,广东省\n',
      '?unit=广东省',
    ],
  ])('%s by the 广州 token is 403, and nothing changes', async (_what, csv, query) => {
    const before = await rows('SELECT external_id, unit, active FROM officials ORDER BY id')
    const response = await roster(gzWrite, csv, query)
    expect(response.status).toBe(403)
    expect((await errorOf(response)).code).toBe('outside_scope')
    expect(await rows('SELECT external_id, unit, active FROM officials ORDER BY id')).toEqual(
      before,
    )
  })

  it('a full import by the 广州 token deactivates only in 广州', async () => {
    const response = await roster(
      gzWrite,
      'external_id,name,unit\nS001,张广,广东省/广州市\nS002,李广,广东省/广州市/公安局\n',
      '?mode=full',
    )
    expect(response.status).toBe(200)
    expect(((await response.json()) as { deactivated: number }).deactivated).toBe(1)
    const active = await rows<{ external_id: string }>(
      'SELECT external_id FROM officials WHERE active = 1 ORDER BY external_id',
    )
    expect(active.map((r) => r.external_id)).toEqual(['S001', 'S002', 'S003', 'S004'])
  })

  it('a unit admin is held to their subtree the same way', async () => {
    const response = await roster(
      await gzAdmin(),
      'external_id,name,unit\nS009,郑深,广东省/深圳市\n',
    )
    expect(response.status).toBe(403)
    const ok = await roster(
      await gzAdmin(),
      'external_id,name,unit\nS005,钱广,广东省/广州市/公安局\n',
    )
    expect(ok.status).toBe(200)
    const [entry] = await rows(
      "SELECT actor, actor_kind FROM audit_log WHERE action = 'roster.import' ORDER BY id DESC LIMIT 1",
    )
    expect(entry).toEqual({ actor: 'scope-gz@example.org', actor_kind: 'admin' })
  })
})

describe('status, outstanding and records', () => {
  it('a 广州 token sees 广州 only, by default', async () => {
    const response = await call(`/api/admin/status/${NOTICE}/2`, { headers: gzRead })
    expect(response.status).toBe(200)
    const status = (await response.json()) as { unit: string; units: { unit: string }[] }
    expect(status.unit).toBe(GZ)
    expect(status.units.every((u) => u.unit.startsWith(GZ))).toBe(true)
  })

  it.each([
    [`/api/admin/status/${NOTICE}/2?${q(SZ)}`],
    [`/api/admin/status/${NOTICE}/2?${q(SZ)}&format=csv`],
    [`/api/admin/status/${NOTICE}/2?unit=广东省`],
    [`/api/admin/outstanding/${NOTICE}/2?${q(SZ)}`],
    [`/api/admin/outstanding/${NOTICE}/2?${q(SZ)}&format=csv`],
    [`/api/admin/acknowledgements?${q(SZ)}`],
    [`/api/admin/acknowledgements?${q(SZ)}&format=csv`],
    [`/api/admin/audit?${q(SZ)}`],
  ])('GET %s with the 广州 token is 403 with the one error shape', async (path) => {
    for (const headers of [gzRead, await gzAdmin()]) {
      const response = await call(path, { headers })
      expect(response.status).toBe(403)
      expect(response.headers.get('Content-Type')).toMatch(/application\/json/)
      expect(await errorOf(response)).toMatchObject({ status: 403, code: 'outside_scope' })
    }
  })

  it('the outstanding list of a 广州 token has only 广州 officials', async () => {
    const response = await call(`/api/admin/outstanding/${NOTICE}/2?format=csv`, {
      headers: gzRead,
    })
    const csv = await response.text()
    expect(csv).toContain('S002')
    expect(csv).not.toMatch(/S003|S004|深圳/)
  })

  it('the records of a 广州 token are the 广州 acknowledgements only', async () => {
    const response = await call('/api/admin/acknowledgements', { headers: gzRead })
    const { records } = (await response.json()) as {
      records: { receipt: { official: { externalId: string } } }[]
    }
    expect(records.map((r) => r.receipt.official.externalId)).toEqual(['S001'])
    const all = await call('/api/admin/acknowledgements', { headers: rootRead })
    expect(((await all.json()) as { records: unknown[] }).records.length).toBeGreaterThanOrEqual(2)
  })
})

describe('links', () => {
  it('a 广州 write token makes links for 广州 only, audited', async () => {
    const response = await links(gzWrite, {})
    expect(response.status).toBe(200)
    const body = (await response.json()) as {
      batch: { id: string; unit: string; officials: number }
      links: { unit: string }[]
    }
    expect(body.batch.unit).toBe(GZ)
    expect(body.links.every((l) => l.unit.startsWith(GZ))).toBe(true)
    const [entry] = await rows<Record<string, string>>(
      "SELECT * FROM audit_log WHERE action = 'links.create' AND target = ?",
      body.batch.id,
    )
    expect(entry).toMatchObject({ unit: GZ, actor_kind: 'api_token' })
    expect(JSON.parse(entry!.counts!)).toEqual({ officials: body.batch.officials })
  })

  it('links for 深圳 with the 广州 token: 403; with a read token: 403 read_only', async () => {
    const before = await rows('SELECT id FROM link_batches')
    expect((await errorOf(await links(gzWrite, { unit: SZ }))).code).toBe('outside_scope')
    expect((await errorOf(await links(gzRead, {}))).code).toBe('read_only')
    expect((await errorOf(await links(await gzAdmin(), { unit: SZ }))).code).toBe('outside_scope')
    expect(await rows('SELECT id FROM link_batches')).toEqual(before)
  })

  it('a due date that is no date is 422, not a 500', async () => {
    const response = await links(admin(), { dueDate: '2026-13-01' })
    expect(response.status).toBe(422)
    expect((await errorOf(response)).code).toBe('invalid_due_date')
  })
})

describe('the log (every unit): verification and checkpoints', () => {
  it.each([
    ['GET', '/api/admin/verify'],
    ['GET', '/api/admin/checkpoints'],
    ['GET', '/api/admin/checkpoints/consistency?from=1&to=2'],
    ['POST', '/api/admin/verify'],
  ])('%s %s with the 广州 token is 403', async (method, path) => {
    const response = await call(path, { method, headers: gzWrite })
    expect(response.status).toBe(403)
    expect((await errorOf(response)).code).toBe('outside_scope')
  })

  it('a whole-roster read token verifies but cannot sign a checkpoint', async () => {
    expect((await call('/api/admin/verify', { headers: rootRead })).status).toBe(200)
    const post = await call('/api/admin/verify', { method: 'POST', headers: rootRead })
    expect(post.status).toBe(403)
    expect((await errorOf(post)).code).toBe('read_only')
  })

  it('signing a checkpoint is audited', async () => {
    const response = await call('/api/admin/verify', { method: 'POST', headers: admin() })
    expect(response.status).toBe(200)
    const run = (await response.json()) as { newCheckpoint: { treeSize: number } | null }
    expect(run.newCheckpoint).not.toBeNull()
    const [entry] = await rows<Record<string, string>>(
      "SELECT * FROM audit_log WHERE action = 'verify.checkpoint' ORDER BY id DESC LIMIT 1",
    )
    expect(entry).toMatchObject({
      actor: 'ADMIN_TOKEN',
      unit: null,
      target: String(run.newCheckpoint!.treeSize),
    })
  })
})
