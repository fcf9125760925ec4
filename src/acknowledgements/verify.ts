/**
 * Tamper evidence for the acknowledgement log: the checks one record and one checkpoint get,
 * shared by the incremental checkpointer (checkpoints.ts) and the full audit (audit.ts).
 *
 * Each row is sealed when written: record_hash is the RFC 9162 leaf hash of the canonical receipt
 * and signature is Ed25519 over the same bytes. A type 2 receipt also carries its place in the
 * log (the highest seq when it was signed, and the newest checkpoint then). seq (AUTOINCREMENT,
 * kept gapless by the write path) orders the rows as leaves of a Merkle tree, and checkpoints are
 * signed tree heads over the first tree_size leaves, each (format 2) signing the hash of the one
 * before it. No row refers to another, so concurrent writers never wait on a chain head;
 * checkpoints are computed afterwards, each from the previous one's frontier.
 */
import type { AcknowledgementRow } from '../db/acknowledgements'
import { checkpointsOfSizes, type Checkpoint } from '../db/checkpoints'
import type { Database } from '../db/client'
import { fromBase64url, utf8 } from './bytes'
import { checkpointNote, noteHash, type CheckpointHead } from './notes'
import { receiptOf, RECEIPT_TYPE_V1, sealHash, signatureValid } from './receipt'
import type { ReceiptKeys } from './secrets'

export const PROBLEM_KINDS = [
  'altered',
  'forged',
  'unknown_key',
  'misattributed',
  'reordered',
  'removed',
  'inserted',
  'checkpoint_mismatch',
  'checkpoint_invalid',
  'checkpoint_chain',
  'checkpoint_missing',
  'global_invalid',
  'global_chain',
] as const
export type ProblemKind = (typeof PROBLEM_KINDS)[number]

export interface Problem {
  kind: ProblemKind
  seq?: number
  /** Last seq of a run of removed rows. */
  toSeq?: number
  receiptId?: string
  treeSize?: number
  /** The global checkpoint (several shards) the problem is with or was found through. */
  globalNumber?: number
  message: string
}

/** Problems found, listed up to a bound and counted beyond it. */
export class Findings {
  static readonly MAX_LISTED = 1000
  readonly problems: Problem[] = []
  count = 0

  add(problem: Problem) {
    this.count++
    if (this.problems.length < Findings.MAX_LISTED) this.problems.push(problem)
  }
}

/** Whether a checkpoint verifies against the key it names (current or retired). */
export async function checkpointSignatureValid(
  keys: ReceiptKeys,
  c: CheckpointHead,
): Promise<boolean> {
  const key = keys.verifying.get(c.keyId)
  if (!key) return false
  try {
    return await crypto.subtle.verify(
      'Ed25519',
      key.publicKey,
      fromBase64url(c.signature),
      utf8(checkpointNote(c)),
    )
  } catch {
    return false
  }
}

/**
 * A checkpoint's own evidence: its signature, and (format 2) that it signs the note of the
 * checkpoint before it (`previousNote`: that note's hash, null when there is none before it).
 */
export async function checkCheckpoint(
  keys: ReceiptKeys,
  c: Checkpoint,
  previousNote: string | null,
): Promise<Problem[]> {
  const problems: Problem[] = []
  if (!(await checkpointSignatureValid(keys, c)))
    problems.push({
      kind: 'checkpoint_invalid',
      treeSize: c.treeSize,
      message: keys.verifying.has(c.keyId)
        ? `the checkpoint over the first ${c.treeSize} records is not signed by the key it names`
        : `the checkpoint over the first ${c.treeSize} records names a key the Worker does not hold`,
    })
  if (c.format !== 1 && c.prevHash !== previousNote)
    problems.push({
      kind: 'checkpoint_chain',
      treeSize: c.treeSize,
      message: `the checkpoint over the first ${c.treeSize} records does not follow the one stored before it: a checkpoint between them was removed or altered`,
    })
  return problems
}

export interface LogRow {
  row: AcknowledgementRow
  /** External id of the official that official_id points at (null: no such official). */
  rosterExternalId: string | null
}

/**
 * The note hashes of the stored checkpoints that a page of type 2 receipts say existed when they
 * were signed, by tree size.
 */
export async function referencedCheckpoints(
  db: Database,
  rows: readonly LogRow[],
): Promise<Map<number, string>> {
  const sizes = new Set<number>()
  for (const { row } of rows) if (row.logCheckpointSize !== null) sizes.add(row.logCheckpointSize)
  const stored = await checkpointsOfSizes(db, [...sizes])
  return new Map(
    await Promise.all(stored.map(async (c) => [c.treeSize, await noteHash(c)] as const)),
  )
}

const rowMessages = {
  altered: 'a field of this record was changed after it was written: its hash no longer matches',
  forged: 'this record was not written by the Worker: its signature does not verify',
  unknown_key: 'this record names a signing key the Worker does not hold',
  misattributed:
    'official_id was changed: this record now counts for another official than the one its receipt names',
} as const

/**
 * A row's seal against the key it names, whether official_id (the one column outside the
 * receipt) still points at the official the receipt names, and, for a type 2 receipt whose hash
 * holds, its place in the log: above the seq it says the log had reached, and after a checkpoint
 * that is still stored as it was. The leaf is always recomputed.
 */
export async function checkRow(
  keys: ReceiptKeys,
  { row, rosterExternalId }: LogRow,
  referenced: ReadonlyMap<number, string>,
): Promise<{ problems: Problem[]; leaf: string }> {
  const receipt = receiptOf(row)
  const key = keys.verifying.get(row.keyId)
  const { bytes, leaf, matches } = await sealHash(receipt, row.recordHash)
  const at = { seq: row.seq, receiptId: row.receiptId }
  const problems: Problem[] = []
  if (!matches) problems.push({ kind: 'altered', ...at, message: rowMessages.altered })
  else if (!key) problems.push({ kind: 'unknown_key', ...at, message: rowMessages.unknown_key })
  else if (!(await signatureValid(key.publicKey, bytes, row.signature)))
    problems.push({ kind: 'forged', ...at, message: rowMessages.forged })
  if (rosterExternalId !== row.externalId)
    problems.push({ kind: 'misattributed', ...at, message: rowMessages.misattributed })
  if (matches && receipt.type !== RECEIPT_TYPE_V1) {
    if (!(row.seq > receipt.log.after))
      problems.push({
        kind: 'reordered',
        ...at,
        message: `this record was signed when the log already reached record ${receipt.log.after}, yet it sits at ${row.seq}: records were moved`,
      })
    const cited = receipt.log.checkpoint
    if (cited && referenced.get(cited.treeSize) !== cited.hash)
      problems.push({
        kind: 'checkpoint_missing',
        ...at,
        treeSize: cited.treeSize,
        message: `this record was signed after a checkpoint over ${cited.treeSize} records that is no longer stored as it was: that checkpoint was removed, altered or signed again`,
      })
  }
  return { problems, leaf }
}
