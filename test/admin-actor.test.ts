/** The one permission check, table-driven: subtree and access. */
import { describe, expect, it } from 'vitest'
import { ownerToken, requireAdmin, scopedUnit, type Actor } from '../src/admin/actor'

const gzAdmin: Actor = {
  kind: 'admin',
  id: 'gz@example.org',
  label: 'gz@example.org',
  role: 'unit_admin',
  unit: '广东省/广州市',
  access: 'write',
}
const gzReader: Actor = {
  ...gzAdmin,
  kind: 'api_token',
  id: 'tok_1',
  role: 'token',
  access: 'read',
}

describe('requireAdmin', () => {
  it.each([
    [ownerToken, null, 'write', null],
    [ownerToken, '广东省/深圳市', 'write', null],
    [gzAdmin, '广东省/广州市', 'write', null],
    [gzAdmin, '广东省/广州市/公安局', 'write', null],
    [gzAdmin, '广东省/深圳市', 'read', 'outside_scope'],
    [gzAdmin, '广东省', 'read', 'outside_scope'],
    [gzAdmin, '广东省/广州市-2', 'read', 'outside_scope'],
    [gzAdmin, '广东省/广州', 'read', 'outside_scope'],
    [gzAdmin, null, 'read', 'outside_scope'],
    [gzReader, '广东省/广州市/公安局', 'read', null],
    [gzReader, '广东省/广州市', 'write', 'read_only'],
    [gzReader, '广东省/深圳市', 'write', 'outside_scope'],
  ] as const)('%o on %s for %s -> %s', (actor, unit, access, refusal) => {
    const attempt = () => requireAdmin(actor, unit, access)
    if (refusal === null) expect(attempt).not.toThrow()
    else expect(attempt).toThrow(expect.objectContaining({ status: 403, code: refusal }))
  })
})

describe('scopedUnit', () => {
  it.each([
    [gzAdmin, undefined, '广东省/广州市'],
    [gzAdmin, '', '广东省/广州市'],
    [gzAdmin, ' 广东省 / 广州市 /公安局', '广东省/广州市/公安局'],
    [ownerToken, undefined, null],
    [ownerToken, '湖南省', '湖南省'],
  ] as const)('%o asking for %s works on %s', (actor, requested, unit) => {
    expect(scopedUnit(actor, requested, 'read')).toBe(unit)
  })

  it('a malformed unit is 400 before any scope question', () => {
    expect(() => scopedUnit(gzAdmin, 'a//b', 'read')).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_unit' }),
    )
  })
})
