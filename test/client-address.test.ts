import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { rateLimitKey } from '../src/client-address'
import { startOfFreshWindow } from './rate-window'

describe('the rate-limit key of a client address', () => {
  it.each([
    ['IPv4 by address', '198.51.100.7', '198.51.100.7'],
    ['IPv4 with leading zeros', '198.051.100.007', '198.51.100.7'],
    ['IPv6 by its /64', '2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['the same /64, another host', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['compressed', '2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['compressed inside the prefix', '2001:db8::1', '2001:db8:0:0::/64'],
    [
      'upper case and leading zeros',
      '2001:0DB8:0001:0002:0000:0000:0000:0001',
      '2001:db8:1:2::/64',
    ],
    ['all zeros but the last', '::1', '0:0:0:0::/64'],
    ['embedded IPv4', '2001:db8:1:2::198.51.100.7', '2001:db8:1:2::/64'],
    ['an IPv4-mapped address is the IPv4 client', '::ffff:198.51.100.7', '198.51.100.7'],
    ['IPv4-mapped, in hex', '::ffff:c633:6407', '198.51.100.7'],
    ['a zone id', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['brackets', '[2001:db8:1:2::1]', '2001:db8:1:2::/64'],
    ['surrounding spaces', ' 198.51.100.7 ', '198.51.100.7'],
  ])('%s: %s -> %s', (_, address, key) => {
    expect(rateLimitKey(address)).toBe(key)
  })

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not an address', 'localhost'],
    ['an IPv4 octet too big', '198.51.100.256'],
    ['two ::', '2001::db8::1'],
    ['too many groups', '1:2:3:4:5:6:7:8:9'],
    ['a group too long', '2001:db8:12345::1'],
    ['IPv4 not at the end', '::198.51.100.7:1'],
  ])('%s: one shared key that is no valid address', (_, address) => {
    const key = rateLimitKey(address)
    expect(key).toBe('unknown')
  })
})

describe('the check rate limit', () => {
  const batch = (ip: string, n = 100) =>
    exports.default.fetch(
      new Request('http://localhost/api/check/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
        body: JSON.stringify({ texts: Array.from({ length: n }, () => 'hi') }),
      }),
    )

  it('counts one IPv6 /64 as one client', async () => {
    await startOfFreshWindow()
    for (let i = 0; i < 6; i++) expect((await batch(`2001:db8:77:1::${i + 1}`)).status).toBe(200)
    expect((await batch('2001:db8:77:1:abcd::9', 1)).status).toBe(429)
    expect((await batch('2001:db8:77:2::1', 1)).status).toBe(200)
  }, 60_000)

  it('counts IPv4 addresses one by one', async () => {
    await startOfFreshWindow()
    for (let i = 0; i < 6; i++) expect((await batch('203.0.113.9')).status).toBe(200)
    expect((await batch('203.0.113.9', 1)).status).toBe(429)
    expect((await batch('203.0.113.10', 1)).status).toBe(200)
  }, 60_000)
})
