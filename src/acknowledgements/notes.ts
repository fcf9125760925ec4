/**
 * Checkpoint notes: the exact bytes a signed tree head signs, and the hash the next one chains to.
 * Pure, shared by the Worker and by the copy kept outside it (witness.ts).
 */
import { hex, utf8 } from './bytes'

/** A signed tree head as the API and the external copy show it. */
export interface CheckpointHead {
  treeSize: number
  rootHash: string
  createdAt: string
  keyId: string
  signature: string
  format: number
  prevHash: string | null
}

export const head = (c: CheckpointHead): CheckpointHead => ({
  treeSize: c.treeSize,
  rootHash: c.rootHash,
  createdAt: c.createdAt,
  keyId: c.keyId,
  signature: c.signature,
  format: c.format,
  prevHash: c.prevHash,
})

/**
 * The bytes a checkpoint signs: a fixed-format note, never parseable as a receipt. Format 2 adds
 * the hash of the previous checkpoint's note (empty for the first).
 */
export function checkpointNote(c: Omit<CheckpointHead, 'keyId' | 'signature'>): string {
  const lines = [`redlines-checkpoint/${c.format}`, c.treeSize, c.rootHash, c.createdAt]
  if (c.format !== 1) lines.push(c.prevHash ?? '')
  return `${lines.join('\n')}\n`
}

/** What the next checkpoint signs as its predecessor: SHA-256 of this one's note, hex. */
export async function noteHash(c: Omit<CheckpointHead, 'keyId' | 'signature'>): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', utf8(checkpointNote(c))))
}
