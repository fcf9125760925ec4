/**
 * Who counts as one client for rate limits. An IPv4 client is its address; an IPv6 client is its
 * /64, since one subscriber is routinely given a whole /64 and can use any address in it.
 */

/** The four octets of a dotted-quad IPv4 address, or undefined. */
function ipv4(text: string): number[] | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const octets = parts.map((p) => (/^[0-9]{1,3}$/.test(p) ? Number(p) : NaN))
  return octets.every((o) => o <= 255) ? octets : undefined
}

/** The eight 16-bit groups of an IPv6 address (compressed, embedded IPv4, zone id), or undefined. */
function ipv6(text: string): number[] | undefined {
  const address = text.replace(/%.*$/, '') // a zone id names the local interface, not the host
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const groupsOf = (half: string): number[] | undefined => {
    if (half === '') return []
    const parts = half.split(':')
    const out: number[] = []
    for (const [i, part] of parts.entries()) {
      if (/^[0-9a-f]{1,4}$/i.test(part)) out.push(parseInt(part, 16))
      else if (i === parts.length - 1 && part.includes('.')) {
        const v4 = ipv4(part)
        if (!v4) return undefined
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      } else return undefined
    }
    return out
  }
  const head = groupsOf(halves[0]!)
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : []
  if (!head || !tail) return undefined
  // An embedded IPv4 address may only end the whole address.
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const missing = 8 - head.length - tail.length
  return missing >= 1 ? [...head, ...Array<number>(missing).fill(0), ...tail] : undefined
}

/**
 * The rate-limit key for a client address as Cloudflare reports it (CF-Connecting-IP): the IPv4
 * address in canonical form, an IPv6 address's /64 prefix (an IPv4-mapped address is its IPv4
 * client), or "unknown" for a missing or malformed value.
 */
export function rateLimitKey(address: string | undefined): string {
  const text = (address ?? '').trim().replace(/^\[(.*)\]$/, '$1')
  const v4 = ipv4(text)
  if (v4) return v4.join('.')
  const v6 = text.includes(':') ? ipv6(text) : undefined
  if (!v6) return 'unknown'
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff)
    return [v6[6]! >> 8, v6[6]! & 0xff, v6[7]! >> 8, v6[7]! & 0xff].join('.')
  return `${v6
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`
}
