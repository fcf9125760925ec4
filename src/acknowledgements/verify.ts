/**
 * Tamper evidence for the acknowledgement log.
 *
 * Each row is sealed when written: record_hash is the RFC 9162 leaf hash of the canonical receipt
 * and signature is Ed25519 over the same bytes. seq (AUTOINCREMENT, kept gapless by the write
 * path) orders the rows as leaves of a Merkle tree, and checkpoints are signed tree heads over
 * the first tree_size leaves. No row refers to another, so concurrent writers never wait on a
 * chain head; checkpoints are computed afterwards, incrementally, from the previous frontier.
 *
 * Verification recomputes every seal, checks that official_id (the one column outside the
 * receipt) still names the receipt's official, walks seq for gaps (and sqlite_sequence for rows
 * removed from the end) and for rows below seq 1, rebuilds the tree and compares it with every
 * stored checkpoint.
 */
import type { Database } from '../db/client'
import {
  logExtent,
  recordsOutsideLogStatement,
  verificationPageStatement,
  type AcknowledgementRow,
} from '../db/acknowledgements'
import {
  allCheckpoints,
  latestCheckpoint,
  saveCheckpoint,
  type Checkpoint,
} from '../db/checkpoints'
import { base64url, fromBase64url, utf8 } from './bytes'
import { Frontier } from './merkle'
import { checkSeal, receiptOf } from './receipt'
import type { ReceiptKeys } from './secrets'

const PAGE = 500
const MAX_PROBLEMS = 1000

export type ProblemKind =
  | 'altered'
  | 'forged'
  | 'unknown_key'
  | 'misattributed'
  | 'removed'
  | 'inserted'
  | 'checkpoint_mismatch'
  | 'checkpoint_invalid'

export interface Problem {
  kind: ProblemKind
  seq?: number
  /** Last seq of a run of removed rows. */
  toSeq?: number
  receiptId?: string
  treeSize?: number
  message: string
}

export interface CheckpointHead {
  treeSize: number
  rootHash: string
  createdAt: string
  keyId: string
  signature: string
}

export interface VerificationReport {
  ok: boolean
  checkedAt: string
  records: number
  lastSeq: number
  checkpoints: { stored: number; matched: number; latest: CheckpointHead | null }
  /** Records after the latest checkpoint: edits to these are caught by their seal alone. */
  uncheckpointed: number
  problemCount: number
  problems: Problem[]
  /** Set when this run signed a new checkpoint. */
  newCheckpoint: CheckpointHead | null
}

/** The bytes a checkpoint signs: a fixed-format note, never parseable as a receipt. */
export const checkpointNote = (c: Pick<Checkpoint, 'treeSize' | 'rootHash' | 'createdAt'>) =>
  `redlines-checkpoint/1\n${c.treeSize}\n${c.rootHash}\n${c.createdAt}\n`

const head = (c: Checkpoint): CheckpointHead => ({
  treeSize: c.treeSize,
  rootHash: c.rootHash,
  createdAt: c.createdAt,
  keyId: c.keyId,
  signature: c.signature,
})

async function signCheckpoint(
  keys: ReceiptKeys,
  frontier: Frontier,
  now: Date,
): Promise<Checkpoint> {
  const unsigned = {
    treeSize: frontier.size,
    rootHash: await frontier.root(),
    createdAt: now.toISOString(),
  }
  const signature = await crypto.subtle.sign(
    'Ed25519',
    keys.privateKey,
    utf8(checkpointNote(unsigned)),
  )
  return {
    ...unsigned,
    frontier: JSON.stringify(frontier.hashes()),
    keyId: keys.keyId,
    signature: base64url(signature),
  }
}

async function checkpointSignatureValid(keys: ReceiptKeys, c: Checkpoint): Promise<boolean> {
  if (c.keyId !== keys.keyId) return false
  try {
    return await crypto.subtle.verify(
      'Ed25519',
      keys.publicKey,
      fromBase64url(c.signature),
      utf8(checkpointNote(c)),
    )
  } catch {
    return false
  }
}

interface LogRow {
  row: AcknowledgementRow
  /** External id of the official that official_id points at (null: no such official). */
  rosterExternalId: string | null
}

async function* logRows(db: Database, afterSeq = 0): AsyncGenerator<LogRow> {
  for (;;) {
    const page = await verificationPageStatement(db, { afterSeq, limit: PAGE })
    yield* page
    const last = page.at(-1)
    if (!last || page.length < PAGE) return
    afterSeq = last.row.seq
  }
}

type RowProblem = 'altered' | 'forged' | 'unknown_key' | 'misattributed'

/**
 * A row's seal against the key it names, and whether official_id (the one column outside the
 * receipt) still points at the official the receipt names. The leaf is always recomputed.
 */
async function checkRow(keys: ReceiptKeys, { row, rosterExternalId }: LogRow) {
  const receipt = receiptOf(row)
  const { check, leaf } = await checkSeal(keys.publicKey, receipt, row.recordHash, row.signature)
  const problems: RowProblem[] = []
  if (row.keyId !== keys.keyId && check !== 'altered') problems.push('unknown_key')
  else if (check !== 'ok') problems.push(check)
  if (rosterExternalId !== row.externalId) problems.push('misattributed')
  return { problems, leaf }
}

const rowMessages: Record<RowProblem, string> = {
  altered: 'a field of this record was changed after it was written: its hash no longer matches',
  forged: 'this record was not written by the Worker: its signature does not verify',
  unknown_key: 'this record names a signing key the Worker does not hold',
  misattributed:
    'official_id was changed: this record now counts for another official than the one its receipt names',
}

/**
 * Re-checks the whole log. With `checkpoint`, a clean log longer than the latest checkpoint
 * gets a new signed checkpoint (never over a log with problems).
 */
export async function verifyLog(
  db: Database,
  keys: ReceiptKeys,
  options: { now: Date; checkpoint: boolean },
): Promise<VerificationReport> {
  const [checkpoints, extent] = await Promise.all([allCheckpoints(db), logExtent(db)])
  const problems: Problem[] = []
  let problemCount = 0
  const report = (problem: Problem) => {
    problemCount++
    if (problems.length < MAX_PROBLEMS) problems.push(problem)
  }
  const pending = [...checkpoints]
  let matched = 0
  for (const c of checkpoints)
    if (!(await checkpointSignatureValid(keys, c)))
      report({
        kind: 'checkpoint_invalid',
        treeSize: c.treeSize,
        message: `the checkpoint over the first ${c.treeSize} records is not signed by the Worker's key`,
      })

  const frontier = new Frontier()
  const compare = async () => {
    while (pending[0] && pending[0].treeSize === frontier.size) {
      const c = pending.shift()!
      const root = await frontier.root()
      if (root === c.rootHash && c.frontier === JSON.stringify(frontier.hashes())) matched++
      else
        report({
          kind: 'checkpoint_mismatch',
          treeSize: c.treeSize,
          message: `the first ${c.treeSize} records differ from those signed at ${c.createdAt}: a record before it was altered, removed, inserted or moved`,
        })
    }
  }
  await compare()
  for (const row of await recordsOutsideLogStatement(db, MAX_PROBLEMS))
    report({
      kind: 'inserted',
      seq: row.seq,
      receiptId: row.receiptId,
      message: `record ${row.seq} sits below the start of the log (seq 1): it was inserted directly in the database`,
    })
  let expected = 1
  let lastSeq = 0
  for await (const logRow of logRows(db)) {
    const { row } = logRow
    if (row.seq > expected)
      report({
        kind: 'removed',
        seq: expected,
        toSeq: row.seq - 1,
        message: `records ${expected}${row.seq - 1 > expected ? `-${row.seq - 1}` : ''} are missing from the log`,
      })
    expected = row.seq + 1
    lastSeq = row.seq
    const { problems: found, leaf } = await checkRow(keys, logRow)
    for (const problem of found)
      report({
        kind: problem,
        seq: row.seq,
        receiptId: row.receiptId,
        message: rowMessages[problem],
      })
    await frontier.append(leaf)
    await compare()
  }
  if (extent.issued > lastSeq)
    report({
      kind: 'removed',
      seq: lastSeq + 1,
      toSeq: extent.issued,
      message: `records ${lastSeq + 1}${extent.issued > lastSeq + 1 ? `-${extent.issued}` : ''} were written and are gone from the end of the log`,
    })
  for (const c of pending)
    report({
      kind: 'removed',
      treeSize: c.treeSize,
      message: `a checkpoint signed at ${c.createdAt} covers ${c.treeSize} records, but the log holds ${frontier.size}`,
    })

  const latest = checkpoints.at(-1)
  let newCheckpoint: CheckpointHead | null = null
  if (options.checkpoint && problemCount === 0 && frontier.size > (latest?.treeSize ?? 0)) {
    const signed = await signCheckpoint(keys, frontier, options.now)
    await saveCheckpoint(db, signed)
    newCheckpoint = head(signed)
  }
  return {
    ok: problemCount === 0,
    checkedAt: options.now.toISOString(),
    records: frontier.size,
    lastSeq,
    checkpoints: {
      stored: checkpoints.length,
      matched,
      latest: newCheckpoint ?? (latest ? head(latest) : null),
    },
    uncheckpointed: frontier.size - (newCheckpoint?.treeSize ?? latest?.treeSize ?? 0),
    problemCount,
    problems,
    newCheckpoint,
  }
}

/**
 * The cron's job: seal records written since the latest checkpoint, reading only those. Stops
 * before the first record that fails its check (the full verification then reports it), and
 * signs nothing if the latest checkpoint itself does not hold together.
 */
export async function checkpointNewRecords(
  db: Database,
  keys: ReceiptKeys,
  options: { now: Date; maxRecords: number },
): Promise<{ checkpoint: CheckpointHead | null; added: number; stoppedAt?: number }> {
  const latest = await latestCheckpoint(db)
  let frontier = new Frontier()
  if (latest) {
    frontier = Frontier.restore(latest.treeSize, JSON.parse(latest.frontier) as string[])
    if (
      (await frontier.root()) !== latest.rootHash ||
      !(await checkpointSignatureValid(keys, latest))
    )
      return { checkpoint: null, added: 0, stoppedAt: latest.treeSize }
  }
  let added = 0
  let stoppedAt: number | undefined
  for await (const logRow of logRows(db, frontier.size)) {
    if (added >= options.maxRecords) break
    const { problems, leaf } = await checkRow(keys, logRow)
    if (logRow.row.seq !== frontier.size + 1 || problems.length) {
      stoppedAt = logRow.row.seq
      break
    }
    await frontier.append(leaf)
    added++
  }
  if (added === 0) return { checkpoint: null, added, stoppedAt }
  const signed = await signCheckpoint(keys, frontier, options.now)
  await saveCheckpoint(db, signed)
  return { checkpoint: head(signed), added, stoppedAt }
}
