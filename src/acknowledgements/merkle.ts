/**
 * RFC 9162 Merkle tree hashing over the acknowledgement log, kept as a frontier (the roots of the
 * perfect subtrees that cover the leaves so far), so a tree head for n leaves costs O(log n)
 * memory and each new leaf O(1) amortised hashes. Nothing here touches the database.
 */
import { fromHex, hex } from './bytes'

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array<ArrayBuffer>> {
  const length = parts.reduce((n, p) => n + p.length, 0)
  const joined = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    joined.set(part, offset)
    offset += part.length
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined))
}

const LEAF = Uint8Array.of(0)
const NODE = Uint8Array.of(1)

/** MTH({d}) = SHA-256(0x00 || d): the hash a record stores as record_hash. */
export async function leafHash(data: Uint8Array): Promise<string> {
  return hex(await sha256(LEAF, data))
}

export async function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(NODE, left, right)
}

export class Frontier {
  /** Perfect subtrees, largest (leftmost) first; sizes are the set bits of `size`. */
  private nodes: { size: number; hash: Uint8Array }[] = []
  size = 0

  /** Rebuilds the frontier a checkpoint stored: one hash per set bit of its tree size. */
  static restore(size: number, hashes: readonly string[]): Frontier {
    const frontier = new Frontier()
    const sizes: number[] = []
    for (let bit = 2 ** 52; bit >= 1; bit /= 2)
      if (Math.floor(size / bit) % 2 === 1) sizes.push(bit)
    if (sizes.length !== hashes.length) throw new Error('frontier does not match tree size')
    frontier.nodes = sizes.map((s, i) => ({ size: s, hash: fromHex(hashes[i]!) }))
    frontier.size = size
    return frontier
  }

  async append(leafHex: string): Promise<void> {
    this.nodes.push({ size: 1, hash: fromHex(leafHex) })
    this.size++
    for (;;) {
      const right = this.nodes.at(-1)!
      const left = this.nodes.at(-2)
      if (!left || left.size !== right.size) break
      this.nodes.splice(-2, 2, { size: left.size * 2, hash: await nodeHash(left.hash, right.hash) })
    }
  }

  /** MTH of all leaves so far: the right-to-left fold of the perfect subtrees (RFC 9162 §2.1.1). */
  async root(): Promise<string> {
    if (this.nodes.length === 0) return hex(await sha256())
    let acc = this.nodes.at(-1)!.hash
    for (let i = this.nodes.length - 2; i >= 0; i--) acc = await nodeHash(this.nodes[i]!.hash, acc)
    return hex(acc)
  }

  hashes(): string[] {
    return this.nodes.map((node) => hex(node.hash))
  }
}

const isPowerOfTwo = (n: number) => n >= 1 && Number.isInteger(Math.log2(n))
/** The largest power of two below n (n >= 2): where RFC 9162 splits a tree of n leaves. */
function split(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** The perfect subtrees a frontier of `size` leaves holds, left to right: [offset, size]. */
function frontierSubtrees(size: number): [number, number][] {
  const out: [number, number][] = []
  let offset = 0
  for (let bit = 2 ** 52; bit >= 1; bit /= 2)
    if (Math.floor(size / bit) % 2 === 1) {
      out.push([offset, bit])
      offset += bit
    }
  return out
}

async function rangeHash(
  leaves: readonly Uint8Array[],
  lo: number,
  hi: number,
): Promise<Uint8Array> {
  if (hi - lo === 1) return leaves[lo]!
  const k = split(hi - lo)
  return nodeHash(await rangeHash(leaves, lo, lo + k), await rangeHash(leaves, lo + k, hi))
}

/**
 * The RFC 9162 §2.1.4.1 consistency proof from the tree of the first `m` leaves to the tree of
 * those plus `newLeaves`, built from what a checkpoint keeps: every proof node inside the first
 * m leaves is one of the perfect subtrees of m's frontier, and the others are hashed from the new
 * leaves. So the work is the new leaves, however long the log.
 */
export async function consistencyProof(
  m: number,
  oldFrontier: readonly string[],
  newLeaves: readonly string[],
): Promise<string[]> {
  const n = m + newLeaves.length
  if (m < 1) throw new Error('a consistency proof starts from a tree of at least one leaf')
  const subtrees = frontierSubtrees(m)
  if (subtrees.length !== oldFrontier.length) throw new Error('frontier does not match tree size')
  const old = new Map(
    subtrees.map(([offset, size], i) => [`${offset}:${size}`, fromHex(oldFrontier[i]!)]),
  )
  const leaves = newLeaves.map(fromHex)
  const mth = async (lo: number, hi: number): Promise<Uint8Array> => {
    if (hi <= m) {
      const node = old.get(`${lo}:${hi - lo}`)
      if (!node) throw new Error(`[${lo}, ${hi}) is not a subtree of the frontier`)
      return node
    }
    return rangeHash(leaves, lo - m, hi - m)
  }
  // SUBPROOF(m, D[lo:hi], b) of RFC 9162 §2.1.4.1, with m counted from lo.
  const subproof = async (
    mm: number,
    lo: number,
    hi: number,
    b: boolean,
  ): Promise<Uint8Array[]> => {
    if (mm === hi - lo) return b ? [] : [await mth(lo, hi)]
    const k = split(hi - lo)
    if (mm <= k) return [...(await subproof(mm, lo, lo + k, b)), await mth(lo + k, hi)]
    return [...(await subproof(mm - k, lo + k, hi, false)), await mth(lo, lo + k)]
  }
  if (m === n) return []
  return (await subproof(m, 0, n, true)).map(hex)
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree of `second` leaves extends that of `first`. */
export async function verifyConsistency(
  first: number,
  second: number,
  firstHash: string,
  secondHash: string,
  proof: readonly string[],
): Promise<boolean> {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 1 || first > second)
    return false
  if (first === second) return proof.length === 0 && firstHash === secondHash
  let path: Uint8Array[]
  try {
    path = [...(isPowerOfTwo(first) ? [firstHash] : []), ...proof].map(fromHex)
  } catch {
    return false
  }
  if (path.length === 0) return false
  const lsb = (x: number) => x % 2 === 1
  const half = (x: number) => Math.floor(x / 2)
  let fn = first - 1
  let sn = second - 1
  while (lsb(fn)) {
    fn = half(fn)
    sn = half(sn)
  }
  let fr = path[0]!
  let sr = path[0]!
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (lsb(fn) || fn === sn) {
      fr = await nodeHash(c, fr)
      sr = await nodeHash(c, sr)
      while (!lsb(fn) && fn !== 0) {
        fn = half(fn)
        sn = half(sn)
      }
    } else sr = await nodeHash(sr, c)
    fn = half(fn)
    sn = half(sn)
  }
  return hex(fr) === firstHash && hex(sr) === secondHash && sn === 0
}
