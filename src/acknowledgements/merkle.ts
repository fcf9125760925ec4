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
