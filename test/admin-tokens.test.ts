/** API tokens: made once, stored hashed, scoped to a subtree and to read or write; audited. */
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { admin, call, rows } from './ack-helpers'
import { accessJwt, addAdmin } from './console-helpers'

interface Token {
  token: string
  id: string
  unit: string | null
  access: string
  label: string
  revokedAt: string | null
}

async function createToken(
  body: Record<string, unknown>,
  headers: Record<string, string> = admin(),
) {
  return call('/api/admin/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

async function made(body: Record<string, unknown>) {
  const response = await createToken(body)
  expect(response.status).toBe(201)
  return (await response.json()) as Token
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })
const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { status: number; code: string; message: string } }).error

let gzWrite: Token
let gzRead: Token
let szWrite: Token

beforeAll(async () => {
  gzWrite = await made({ unit: '广东省/广州市', access: 'write', label: 'gz sync' })
  gzRead = await made({ unit: '广东省 / 广州市', access: 'read', label: 'gz report' })
  szWrite = await made({ unit: '广东省/深圳市', access: 'write', label: 'sz sync' })
  await addAdmin('gz-admin@example.org', 'unit_admin', '广东省/广州市')
})

describe('creating a token', () => {
  it('answers the token once: random, rlt_ and 256 bits, with its normalised unit', () => {
    expect(gzRead.token).toMatch(/^rlt_[A-Za-z0-9_-]{43}$/)
    expect(gzRead).toMatchObject({ unit: '广东省/广州市', access: 'read', label: 'gz report' })
    expect(gzRead.token).not.toBe(gzWrite.token)
  })

  it('stores only its SHA-256, never the token', async () => {
    const [row] = await rows<{ token_hash: string }>(
      'SELECT * FROM api_tokens WHERE id = ?',
      gzRead.id,
    )
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(gzRead.token)),
    )
    expect(row!.token_hash).toBe([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''))
    const everything = JSON.stringify(await rows('SELECT * FROM api_tokens'))
    expect(everything).not.toContain(gzRead.token)
  })

  it('is never shown again: the list has no token and no hash', async () => {
    const response = await call('/api/admin/tokens', { headers: admin() })
    const text = await response.text()
    expect(text).toContain(gzRead.id)
    expect(text).not.toContain(gzRead.token)
    expect(text).not.toContain('tokenHash')
  })

  it.each([
    [{ unit: null, access: 'admin', label: 'x' }, 400],
    [{ unit: null, access: 'read', label: '' }, 400],
    [{ unit: 'a//b', access: 'read', label: 'x' }, 422],
    [{ unit: null, access: 'read', label: '   ' }, 422],
    [{ access: 'read', label: 'x' }, 400],
  ])('%j -> %i, nothing stored', async (body, status) => {
    const before = await rows('SELECT id FROM api_tokens')
    const response = await createToken(body)
    expect(response.status).toBe(status)
    expect(await errorOf(response)).toMatchObject({ status })
    expect(await rows('SELECT id FROM api_tokens')).toEqual(before)
  })

  it('a body that is not JSON is 415 or 400, never a 500', async () => {
    const plain = await call('/api/admin/tokens', {
      method: 'POST',
      headers: admin({ 'Content-Type': 'text/plain' }),
      body: '{"unit":null,"access":"read","label":"x"}',
    })
    expect(plain.status).toBe(415)
    const broken = await call('/api/admin/tokens', {
      method: 'POST',
      headers: admin({ 'Content-Type': 'application/json' }),
      body: '{"unit":',
    })
    expect(broken.status).toBe(400)
    expect((await errorOf(broken)).code).toBe('invalid_json')
  })

  it('writes token.create to the audit log with the unit and request id', async () => {
    const [entry] = await rows<Record<string, string>>(
      "SELECT * FROM audit_log WHERE action = 'token.create' AND target = ?",
      szWrite.id,
    )
    expect(entry).toMatchObject({
      actor: 'ADMIN_TOKEN',
      actor_kind: 'owner_token',
      unit: '广东省/深圳市',
    })
    expect(entry!.request_id).toMatch(/[0-9a-f-]{36}/)
    expect(JSON.parse(entry!.counts!)).toEqual({ write: 1 })
  })
})

describe('using a token', () => {
  it('a token reads inside its subtree', async () => {
    const response = await call('/api/admin/tokens', { headers: bearer(gzRead.token) })
    expect(response.status).toBe(200)
    const { tokens } = (await response.json()) as { tokens: Token[] }
    expect(tokens.map((t) => t.id).sort()).toEqual([gzRead.id, gzWrite.id].sort())
  })

  it('a token for 广东省/广州市 cannot see 广东省/深圳市 in the audit log: 403', async () => {
    const response = await call(`/api/admin/audit?unit=${encodeURIComponent('广东省/深圳市')}`, {
      headers: bearer(gzWrite.token),
    })
    expect(response.status).toBe(403)
    expect(await errorOf(response)).toMatchObject({ status: 403, code: 'outside_scope' })
  })

  it('a token sees only audit entries of its subtree', async () => {
    const response = await call('/api/admin/audit', { headers: bearer(gzRead.token) })
    const { entries } = (await response.json()) as { entries: { unit: string | null }[] }
    expect(entries.length).toBeGreaterThan(0)
    expect(entries.every((e) => e.unit?.startsWith('广东省/广州市'))).toBe(true)
  })

  it('a token cannot make or revoke tokens, even inside its subtree: 403', async () => {
    const response = await createToken(
      { unit: '广东省/广州市', access: 'read', label: 'child' },
      bearer(gzWrite.token),
    )
    expect(response.status).toBe(403)
    expect((await errorOf(response)).code).toBe('people_only')
    const revoke = await call(`/api/admin/tokens/${gzRead.id}`, {
      method: 'DELETE',
      headers: bearer(gzWrite.token),
    })
    expect(revoke.status).toBe(403)
  })

  it.each(['rlt_' + 'A'.repeat(43), 'rlt_short', `${'x'}`])(
    'an unknown token %# is 401',
    async (token) => {
      const response = await call('/api/admin/tokens', { headers: bearer(token) })
      expect(response.status).toBe(401)
      expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer/)
    },
  )

  it('records when a token was last used', async () => {
    const [row] = await rows<{ last_used_at: string | null }>(
      'SELECT last_used_at FROM api_tokens WHERE id = ?',
      gzRead.id,
    )
    expect(row!.last_used_at).toMatch(/^20\d\d-/)
  })

  it('a message-check key (another kind) is not an admin credential', async () => {
    const secret = `rlt_${'c'.repeat(43)}`
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret)),
    )
    const hash = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('')
    await env.DB.prepare(
      "INSERT INTO api_tokens (id, kind, label, unit, access, token_hash, created_at, created_by) VALUES ('tok_00000000000000cc', 'check', 'integrator', NULL, 'read', ?, '2026-01-01', 'test')",
    )
      .bind(hash)
      .run()
    expect((await call('/api/admin/tokens', { headers: bearer(secret) })).status).toBe(401)
  })
})

describe('unit admins and tokens', () => {
  const asGzAdmin = async () => ({
    'Cf-Access-Jwt-Assertion': await accessJwt({ email: 'gz-admin@example.org' }),
  })

  it('a unit admin makes tokens inside their subtree', async () => {
    const response = await createToken(
      { unit: '广东省/广州市/公安局', access: 'write', label: 'bureau' },
      await asGzAdmin(),
    )
    expect(response.status).toBe(201)
    const [entry] = await rows<Record<string, string>>(
      "SELECT actor, actor_kind FROM audit_log WHERE action = 'token.create' ORDER BY id DESC LIMIT 1",
    )
    expect(entry).toEqual({ actor: 'gz-admin@example.org', actor_kind: 'admin' })
  })

  it.each([['广东省/深圳市'], ['广东省'], [null], ['广东省/广州市-2']])(
    'but not for %s: 403',
    async (unit) => {
      const response = await createToken(
        { unit, access: 'read', label: 'reach' },
        await asGzAdmin(),
      )
      expect(response.status).toBe(403)
      expect((await errorOf(response)).code).toBe('outside_scope')
    },
  )

  it("cannot revoke another subtree's token: 403, and it keeps working", async () => {
    const response = await call(`/api/admin/tokens/${szWrite.id}/revoke`, {
      method: 'POST',
      headers: await asGzAdmin(),
    })
    expect(response.status).toBe(403)
    expect((await call('/api/admin/tokens', { headers: bearer(szWrite.token) })).status).toBe(200)
  })
})

describe('revoking', () => {
  it('a revoked token stops working at once; revoking again is harmless', async () => {
    const token = await made({ unit: '湖南省', access: 'read', label: 'to revoke' })
    expect((await call('/api/admin/tokens', { headers: bearer(token.token) })).status).toBe(200)
    const response = await call(`/api/admin/tokens/${token.id}`, {
      method: 'DELETE',
      headers: admin(),
    })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { token: Token }).token.revokedAt).toMatch(/^20/)
    expect((await call('/api/admin/tokens', { headers: bearer(token.token) })).status).toBe(401)
    const again = await call(`/api/admin/tokens/${token.id}/revoke`, {
      method: 'POST',
      headers: admin(),
    })
    expect(again.status).toBe(200)
    const entries = await rows(
      "SELECT 1 FROM audit_log WHERE action = 'token.revoke' AND target = ?",
      token.id,
    )
    expect(entries).toHaveLength(1)
  })

  it('an unknown token id is 404', async () => {
    const response = await call('/api/admin/tokens/tok_0123456789abcdef', {
      method: 'DELETE',
      headers: admin(),
    })
    expect(response.status).toBe(404)
  })
})

describe('request ids', () => {
  it('the audit log keeps the request id the server made, not one the client sent', async () => {
    const response = await createToken(
      { unit: null, access: 'read', label: 'request id' },
      admin({ 'X-Request-Id': 'chosen-by-client' }),
    )
    expect(response.status).toBe(201)
    const id = response.headers.get('X-Request-Id')
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const { id: tokenId } = (await response.json()) as Token
    const [entry] = await rows<{ request_id: string }>(
      "SELECT request_id FROM audit_log WHERE action = 'token.create' AND target = ?",
      tokenId,
    )
    expect(entry!.request_id).toBe(id)
  })
})

describe('OpenAPI', () => {
  it('documents the token and audit routes with their errors', async () => {
    const spec = (await (await call('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
    }
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/admin/tokens',
        '/api/admin/tokens/{id}',
        '/api/admin/tokens/{id}/revoke',
        '/api/admin/audit',
      ]),
    )
    expect(Object.keys(spec.paths['/api/admin/tokens']!.post!.responses)).toEqual(
      expect.arrayContaining(['201', '401', '403', '422']),
    )
  })
})
